"""Telling people: in-app notifications with an unread count, and e-mail.

Used by deadlines (reminders, escalations), cases (deconfliction matches) and custody (hash
mismatches). Messages name records by number and say what to do; they never carry case content
beyond that, because e-mail leaves the system.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification


@transaction.atomic
def notify(
    *,
    recipients: Iterable,
    kind: str,
    subject: str,
    body: str = "",
    link: str = "",
    dedupe_key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per recipient (once per ``dedupe_key``) and e-mail after commit.

    Returns only the notifications created now; those already sent under the same key are
    skipped silently, which is what makes retries safe.
    """
    created: list[Notification] = []
    for recipient in {r.pk: r for r in recipients}.values():
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=recipient,
                        kind=kind,
                        subject=subject[:200],
                        body=body,
                        link=link,
                        dedupe_key=dedupe_key,
                    )
                )
        except IntegrityError:
            continue
    if email and created:
        from .tasks import send_notification_email

        ids = [n.pk for n in created]
        transaction.on_commit(lambda: [send_notification_email.delay(pk) for pk in ids])
    return created


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())

"""Telling people: in-app notifications with an unread count, and e-mail.

Used by deadlines (reminders, escalations), cases (deconfliction matches) and custody (hash
mismatches). Messages name records by number and say what to do; they never carry case content
beyond that, because e-mail leaves the system.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

# An e-mail not sent ``CASEWORK_EMAIL_RETRY_SECONDS`` (600) after its notification (its task
# was lost: a worker died between committing the notification and queueing the task, or the
# broker lost it) is sent by the retry sweep; each failed attempt doubles the wait (10, 20, 40,
# 80 minutes), and after the fifth the failure stays recorded and the message only in Casework.
EMAIL_MAX_ATTEMPTS = 5
EMAIL_RETRY_BATCH = 1000


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
    retry_at = timezone.now() + _retry_delay(1)
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
                        email_retry_at=retry_at if email and recipient.email else None,
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


def _retry_delay(attempts: int) -> timedelta:
    first = timedelta(seconds=settings.CASEWORK_EMAIL_RETRY_SECONDS)
    return first * 2 ** max(attempts - 1, 0)


def _message_id(notification: Notification) -> str:
    # Stable per notification: an e-mail sent again after a worker died between handing it to
    # the mail server and recording that it went carries the same Message-ID, so mail systems
    # (and people) can tell it is the same message, not a second reminder.
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "casework.invalid"
    return f"<notification.{notification.pk}.{notification.created_at:%Y%m%d%H%M%S}@{domain}>"


@transaction.atomic
def notification_email_send(*, notification_id: int, now: datetime | None = None) -> bool:
    """E-mail one notification unless it went already; returns whether it went now.

    The row is locked while sending, so two deliveries of the task send once; ``emailed_at``
    records that it went. A failure is recorded on the row (``email_failure``, one more
    attempt) with the time of the next try, and the task ends normally: the retry sweep, not
    the broker, retries it, so a mail server that is down costs no worker and no lost message.
    """
    now = now or timezone.now()
    notification = (
        Notification.objects.select_for_update()
        .select_related("recipient")
        .filter(pk=notification_id, emailed_at__isnull=True)
        .first()
    )
    if notification is None:
        return False
    if not notification.recipient.email:
        notification.email_retry_at = None
        notification.save(update_fields=["email_retry_at"])
        return False
    notification.email_attempts += 1
    link = f"\n\n{settings.CASEWORK_BASE_URL}{notification.link}" if notification.link else ""
    message = EmailMessage(
        subject=f"[Casework] {notification.subject}",
        body=f"{notification.body}{link}",
        to=[notification.recipient.email],
        headers={"Message-ID": _message_id(notification)},
    )
    try:
        message.send()
    except Exception as error:  # the mail server's problem is recorded, not raised
        notification.email_failure = f"{type(error).__name__}: {error}".strip()[:1000]
        last = notification.email_attempts >= EMAIL_MAX_ATTEMPTS
        notification.email_retry_at = (
            None if last else now + _retry_delay(notification.email_attempts)
        )
        notification.save(update_fields=["email_attempts", "email_failure", "email_retry_at"])
        logger.warning(
            "E-mail of notification %s failed (attempt %s of %s%s): %s",
            notification.pk,
            notification.email_attempts,
            EMAIL_MAX_ATTEMPTS,
            ", given up" if last else "",
            type(error).__name__,
        )
        return False
    notification.emailed_at = now
    notification.email_retry_at = None
    notification.save(update_fields=["emailed_at", "email_attempts", "email_retry_at"])
    return True


_CLAIM_EMAIL_RETRIES = """
UPDATE core_notification AS n
   SET email_retry_at = %(now)s + %(first)s * power(2, greatest(n.email_attempts, 0))
 WHERE n.id IN (SELECT id FROM core_notification
                 WHERE email_retry_at <= %(now)s AND emailed_at IS NULL
                   AND email_attempts < %(attempts)s
                 ORDER BY email_retry_at
                 LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED)
RETURNING n.id
"""


@transaction.atomic
def notification_emails_retry(*, now: datetime | None = None) -> list[int]:
    """Send again the e-mails owed whose retry time has come (the beat runs it every minute).

    Set-based over a partial index of the e-mails owed. Each one found has its next retry
    time pushed back before its task is queued, so a slow queue is not flooded with copies;
    the task's row lock and ``emailed_at`` keep a copy from sending twice. Returns the ids.
    """
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_EMAIL_RETRIES,
            {
                "now": now,
                "first": _retry_delay(1),
                "attempts": EMAIL_MAX_ATTEMPTS,
                "limit": EMAIL_RETRY_BATCH,
            },
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        from .tasks import send_notification_email

        transaction.on_commit(lambda: [send_notification_email.delay(pk) for pk in ids])
    return ids

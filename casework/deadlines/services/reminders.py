"""Sending the reminders and escalations a sweep claimed, once each, whatever the chunks."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.notifications import notify

from ..choices import DeadlineState, ReminderKind
from ..models import Deadline, DeadlineReminder
from ._common import local, words
from .sweep import MAX_SEND_ATTEMPTS


def _supervisors_by_unit(unit_ids: set[int]) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    supervisors = User.objects.filter(
        unit_id__in=unit_ids, is_active=True, is_service_account=False, groups__name=Role.SUPERVISOR
    ).distinct()
    for user in supervisors:
        found[user.unit_id].append(user)
    return found


def _reminder_message(
    deadline: Deadline, now: datetime, *, message_offset: int
) -> tuple[str, str, str]:
    link = reverse("deadlines:detail", args=[deadline.reference])
    label = deadline.get_kind_display()
    subject = (
        f"{label} for {deadline.subject_label} due in {words(timeuntil(deadline.due_at, now))}"
    )
    body = f"Due {local(deadline.due_at, deadline.time_zone)}."
    reminder_time = deadline.due_at - timedelta(seconds=message_offset)
    if reminder_time < deadline.created_at:
        before = words(timeuntil(deadline.due_at, reminder_time))
        body = (
            f"Late reminder: this deadline was recorded "
            f"{local(deadline.created_at, deadline.time_zone)}, after its last reminder time "
            f"({before} before it is due) had passed. {body}"
        )
    rule = deadline.rule
    if rule is not None and (rule.extension_days or rule.extension_months):
        allowed = rule.extensions_allowed
        if allowed is None or deadline.extension_count < allowed:
            body += f" It can be renewed or extended before then: {link}#extend"
    return subject, body, link


def _escalation_message(deadline: Deadline, now: datetime) -> tuple[str, str, str]:
    link = reverse("deadlines:detail", args=[deadline.reference])
    owner = deadline.owner.get_full_name() if deadline.owner else "nobody"
    subject = (
        f"Overdue: {deadline.get_kind_display()} for {deadline.subject_label} "
        f"({words(timesince(deadline.due_at, now))} ago)"
    )
    body = f"It was due {local(deadline.due_at, deadline.time_zone)}; owner: {owner}."
    return subject, body, link


def deadline_reminders_send(*, reminder_ids: list[int], now: datetime | None = None) -> int:
    """Send claimed reminders and escalations; returns how many messages went out.

    The claim decided the messages: every row names the offset whose message covers it
    (``message_offset_seconds``), so the rows of one message may arrive in several chunks, on
    several workers, or twice after a worker died, and still make one message. Each message is
    sent in its own transaction, which locks all its rows (not only those of this chunk) and
    records that they went; its notification's dedupe key (deadline, kind, message offset) is
    unique per recipient, so even two senders that each locked part of a message's rows send
    it once. One that fails (its row cannot be read or formatted) is recorded on its reminders,
    reported to the administrators and retried by later sweeps; the rest of the chunk still goes.
    """
    now = now or timezone.now()
    # Only the claims' own columns here: a deadline row that cannot be loaded must fail alone.
    messages: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for pk, deadline_id, kind, message_offset in (
        DeadlineReminder.objects.filter(pk__in=reminder_ids, notified_at__isnull=True)
        .order_by("deadline_id", "kind", "message_offset_seconds")
        .values_list("pk", "deadline_id", "kind", "message_offset_seconds")
    ):
        messages[(deadline_id, kind, message_offset)].append(pk)
    supervisors: dict[int, list] = {}
    sent = 0
    for (deadline_id, kind, message_offset), ids in messages.items():
        try:
            with transaction.atomic():
                sent += _reminder_send(
                    deadline_id=deadline_id,
                    kind=kind,
                    message_offset=message_offset,
                    now=now,
                    supervisors=supervisors,
                )
        except Exception as error:  # whatever one record does, the others are still sent
            _reminder_fail(ids=ids, deadline_id=deadline_id, kind=kind, error=error, now=now)
    return sent


def _reminder_send(
    *, deadline_id: int, kind: str, message_offset: int, now: datetime, supervisors: dict
) -> int:
    reminders = list(
        DeadlineReminder.objects.select_for_update(skip_locked=True)
        .filter(
            deadline_id=deadline_id,
            kind=kind,
            message_offset_seconds=message_offset,
            notified_at__isnull=True,
        )
        .order_by("offset_seconds")
    )
    if not reminders:
        return 0  # sent meanwhile, or another worker holds them
    deadline = Deadline.objects.select_related("case", "referral", "owner", "rule", "unit").get(
        pk=deadline_id
    )
    if deadline.unit_id not in supervisors:
        supervisors.update(_supervisors_by_unit({deadline.unit_id}))
        supervisors.setdefault(deadline.unit_id, [])
    unit_supervisors = supervisors[deadline.unit_id]
    created = []
    if kind == ReminderKind.ESCALATION:
        recipients = [*unit_supervisors, deadline.owner]
        subject, body, link = _escalation_message(deadline, now)
        notification_kind = "deadline.escalation"
    elif deadline.state != DeadlineState.OPEN or deadline.due_at <= now:
        recipients = None  # met, waived or overdue since the claim: the escalation speaks
    else:
        recipients = [deadline.owner] if deadline.owner else unit_supervisors
        subject, body, link = _reminder_message(deadline, now, message_offset=message_offset)
        notification_kind = "deadline.reminder"
    if recipients is not None:
        recipients = [r for r in recipients if r is not None and r.is_active]
        if not recipients:  # the owner left: the unit's supervisors must hear of it
            recipients = unit_supervisors
        created = notify(
            recipients=recipients,
            kind=notification_kind,
            subject=subject,
            body=body,
            link=link,
            dedupe_key=f"deadline:{deadline.pk}:{kind}:{message_offset}",
        )
    DeadlineReminder.objects.filter(pk__in=[r.pk for r in reminders]).update(notified_at=now)
    return len(created)


@transaction.atomic
def _reminder_fail(
    *, ids: list[int], deadline_id: int, kind: str, error: Exception, now: datetime
) -> None:
    """Record why a reminder could not be sent, audit it, and tell the administrators once."""
    why = f"{type(error).__name__}: {error}".strip()[:1000]
    DeadlineReminder.objects.filter(pk__in=ids, notified_at__isnull=True).update(
        attempts=F("attempts") + 1, failed_at=now, failure=why
    )
    audit_record(
        actor=None,
        action="deadline.reminder_fail",
        object_type=DeadlineReminder._meta.label_lower,
        object_id=str(min(ids)),
        details={"deadline_id": deadline_id, "kind": kind, "reminder_ids": ids, "error": why},
    )
    administrators = User.objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR)
    # The message leaves the system by e-mail: ids and the kind of error, not the error's text.
    notify(
        recipients=administrators.distinct(),
        kind="deadline.reminder_failed",
        subject=f"A deadline {kind} could not be sent (reminder {min(ids)})",
        body=(
            f"Reminder {min(ids)} of deadline {deadline_id} failed with {type(error).__name__}. "
            f"The other reminders were sent. It is retried up to {MAX_SEND_ATTEMPTS} times; "
            "the reason is kept on the reminder and in the audit trail "
            "(action deadline.reminder_fail)."
        ),
        dedupe_key=f"deadline-reminder-failed:{min(ids)}",
    )

"""What the deadlines services share: reading times, closing a clock, saying a time aloud, and
keeping a referral's triage due time in step with its clock."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from casework.core.errors import ConflictError
from casework.referrals.services import referral_triage_due_set

from ..choices import ACTIVE_STATES, DeadlineKind, DeadlineState
from ..clock import zone_for
from ..models import Deadline, ReminderSchedule
from ..schedule import first_reminder_at

DEFAULT_REMINDERS = "7d, 1d, 2h"


def aware(value: datetime, zone) -> datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=zone)


def person_or_none(actor):
    """The user to record as who did it; None for the system."""
    return actor if getattr(actor, "is_authenticated", False) else None


def new_clock(*, actor, due_at: datetime, offsets: list[int], **fields) -> Deadline:
    """A clock not yet saved; ``schedule_first_reminders`` gives it its first reminder once
    it is."""
    return Deadline(
        due_at=due_at, reminder_offsets=offsets, created_by=person_or_none(actor), **fields
    )


def schedule_first_reminders(clocks: list[Deadline], *, now: datetime) -> None:
    """The first reminder of clocks just saved, as every start reckons it
    (``schedule.first_reminder_at``); a clock with none owed gets no row."""
    rows = [
        ReminderSchedule(deadline_id=clock.pk, next_reminder_at=at)
        for clock in clocks
        if clock.state == DeadlineState.OPEN
        and (at := first_reminder_at(clock.due_at, clock.reminder_offsets, now)) is not None
    ]
    if rows:
        ReminderSchedule.objects.bulk_create(rows)


def reschedule_reminders(deadline: Deadline, *, now: datetime) -> None:
    """A clock whose due time moved: its next reminder reckoned again as at a start."""
    at = None
    if deadline.state == DeadlineState.OPEN:
        at = first_reminder_at(deadline.due_at, deadline.reminder_offsets, now)
    if at is None:
        unschedule_reminders(deadline)
    else:
        ReminderSchedule.objects.update_or_create(
            deadline_id=deadline.pk, defaults={"next_reminder_at": at}
        )


def unschedule_reminders(deadline: Deadline) -> None:
    """A clock that closed owes no more reminders."""
    ReminderSchedule.objects.filter(deadline_id=deadline.pk).delete()


def local(value: datetime, zone_name: str) -> str:
    try:
        zone = zone_for(zone_name)
    except ValueError:
        zone = timezone.get_current_timezone()
    return value.astimezone(zone).strftime("%d %b %Y %H:%M %Z")


def words(delta_text: str) -> str:
    # Django's timesince joins with no-break spaces; e-mail subjects read better with plain ones.
    return delta_text.replace("\xa0", " ")


def require_active(deadline: Deadline, verb: str) -> None:
    if deadline.state not in ACTIVE_STATES:
        raise ConflictError(
            f"This deadline is already {deadline.get_state_display().lower()}: "
            f"it cannot be {verb}.",
            field="state",
        )


def close(
    deadline: Deadline, *, actor, state: str, reason: str = "", extra: tuple[str, ...] = ()
) -> None:
    deadline.state = state
    deadline.closed_at = timezone.now()
    deadline.closed_by = person_or_none(actor)
    if reason:
        deadline.reason = reason
    deadline.save(
        update_fields=[
            "state",
            "closed_at",
            "closed_by",
            "reason",
            "updated_at",
            *extra,
        ]
    )
    unschedule_reminders(deadline)


def keep_referral_in_step(*, actor, deadline: Deadline, reason: str) -> None:
    """A referral's triage clock whose due time was decided here (extended, rescheduled, or
    started at a time of its own) takes the referral's ``triage_due_at`` along, through the
    referrals service, in this transaction: the queue orders by that column and the sweep
    reads the clock, and the two must tell one time (docs/deadlines.md, "One stored triage
    due time"). Nothing is written when they already agree."""
    if deadline.kind != DeadlineKind.REFERRAL_TRIAGE or deadline.referral_id is None:
        return
    referral_triage_due_set(
        actor=actor, referral_id=deadline.referral_id, due_at=deadline.due_at, reason=reason
    )
    if Deadline.referral.is_cached(deadline):
        deadline.referral.triage_due_at = deadline.due_at

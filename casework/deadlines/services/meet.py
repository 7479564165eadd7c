"""Closing clocks: met by the act they stand for or by hand, waived by a supervisor, waived
with their closed case; a periodic clock starts its next period when met."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.utils import timezone

from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import ConflictError, DomainError

from ..acts import may_meet_by_hand, may_waive, meeting_act
from ..choices import ACTIVE_STATES, DeadlineKind, DeadlineState
from ..models import Deadline
from ._common import close, local, require_active
from .start import deadline_start


def _start_next_period(*, actor, deadline: Deadline) -> Deadline | None:
    """Periodic clocks (case reviews, the weekly audit review) start again when met."""
    if deadline.rule is None or not deadline.rule.repeats:
        return None
    if deadline.case is not None and deadline.case.is_closed:
        return None
    # A fixed cadence: met early, the next period runs from the old due time (a weekly review
    # done on Tuesday is still due the following week); met late, from now.
    return deadline_start(
        starts_at=max(timezone.now(), deadline.due_at),
        actor=actor,
        kind=deadline.kind,
        case=deadline.case,
        referral=deadline.referral if deadline.case is None else None,
        unit=deadline.unit,
        source_type=deadline.source_type,
        source_id=deadline.source_id,
        owner=deadline.owner,
        time_zone=deadline.time_zone,
        jurisdiction=deadline.jurisdiction,
    )


def _met(*, actor, deadline: Deadline, before: str, details: dict) -> Deadline:
    """The audit event, the next period and the event of a clock just closed as met."""
    audit_record(
        actor=actor,
        action="deadline.meet",
        target=deadline,
        case_id=deadline.case_id,
        changes={"state": [before, DeadlineState.MET]},
        details=details,
    )
    _start_next_period(actor=actor, deadline=deadline)
    events.publish(events.DeadlineMet(deadline=deadline, actor=actor))
    return deadline


@transaction.atomic
def deadline_meet(*, actor, deadline: Deadline) -> Deadline:
    """Record that what the clock asked for was done (late, if it had been missed).

    For the service that records the act itself (``acts.meeting_act``), in its transaction;
    a person marking a clock as met goes through ``deadline_meet_by_hand``.
    """
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    require_active(deadline, "met")
    before = deadline.state
    close(deadline, actor=actor, state=DeadlineState.MET)
    return _met(
        actor=actor,
        deadline=deadline,
        before=before,
        details={"late": before == DeadlineState.MISSED},
    )


@transaction.atomic
def deadline_meet_by_hand(*, actor, deadline: Deadline, reason: str = "") -> Deadline:
    """A person marks a clock as met: only one no recorded act meets (``acts.meeting_act``),
    only its owner, the case team or a supervisor of the unit, and with a reason when it is
    met after its due time. Refuses with a message saying which act meets it and where."""
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("case", "referral", "rule")
        .get(pk=deadline.pk)
    )
    act = meeting_act(deadline)
    if act is not None:
        raise ConflictError(act.message, field="kind")
    if not may_meet_by_hand(actor, deadline):
        raise DomainError(
            "Only the deadline's owner, the case team or a supervisor of the unit can mark it "
            "as met.",
            status=403,
        )
    require_active(deadline, "met")
    reason = (reason or "").strip()
    late = deadline.state == DeadlineState.MISSED or deadline.due_at <= timezone.now()
    if late and not reason:
        raise DomainError(
            f"This deadline was due {local(deadline.due_at, deadline.time_zone)}: say why it "
            "is met late.",
            field="reason",
        )
    before = deadline.state
    close(deadline, actor=actor, state=DeadlineState.MET, reason=reason)
    return _met(
        actor=actor,
        deadline=deadline,
        before=before,
        details={"late": late, "by_hand": True, "reason": reason},
    )


@transaction.atomic
def deadlines_meet(
    *, actor, source_type: str, source_id: str, kinds: list[str] | None = None
) -> int:
    """Meet every open (or missed) deadline set by ``source_type``/``source_id``; how many."""
    pending = Deadline.objects.filter(
        source_type=source_type, source_id=str(source_id), state__in=ACTIVE_STATES
    )
    if kinds:
        pending = pending.filter(kind__in=kinds)
    met = 0
    for deadline in pending.select_related("rule", "case").order_by("pk"):
        deadline_meet(actor=actor, deadline=deadline)
        met += 1
    return met


@transaction.atomic
def deadline_waive(*, actor, deadline: Deadline, reason: str) -> Deadline:
    """A supervisor of the unit closes a clock that no longer applies; the reason is kept and
    audited (nothing is waived silently)."""
    require_person(actor, "waive a deadline")
    if not may_waive(actor, deadline):
        raise DomainError(
            "Only a supervisor of the deadline's unit can waive it; ask them, with the reason.",
            status=403,
        )
    return _waive(actor=actor, deadline=deadline, reason=reason)


def _waive(*, actor, deadline: Deadline, reason: str) -> Deadline:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why this deadline no longer applies.", field="reason")
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    require_active(deadline, "waived")
    before = deadline.state
    close(deadline, actor=actor, state=DeadlineState.WAIVED, reason=reason)
    audit_record(
        actor=actor,
        action="deadline.waive",
        target=deadline,
        case_id=deadline.case_id,
        changes={"state": [before, DeadlineState.WAIVED]},
        details={"reason": reason},
    )
    return deadline


@transaction.atomic
def deadlines_close_for_case(*, actor, case, carried: Collection[int] = ()) -> int:
    """Open clocks of a closed case are waived with the closure as reason, except those the
    closure carried (listed by id, with the requester's reason) and court dates: those stay
    open, because closing a case does not cancel a hearing, and their owner keeps the
    reminders. Missed ones stay missed, because that they were missed remains true."""
    waived = 0
    reason = f"Case {case.number} was closed."
    # The closure is the supervisor's decision (the cases app requires one): no second check.
    for deadline in (
        Deadline.objects.filter(case=case, state=DeadlineState.OPEN)
        .exclude(pk__in=list(carried))
        .exclude(kind=DeadlineKind.COURT_DATE)
        .order_by("pk")
    ):
        _waive(actor=actor, deadline=deadline, reason=reason)
        waived += 1
    return waived

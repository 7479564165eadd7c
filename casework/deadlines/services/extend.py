"""Moving a clock's due time: extended (a new clock, the old one kept as history) or
rescheduled (the same clock, when its basis changed)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casework.audit.services import audit_record
from casework.core.errors import DomainError

from ..choices import DeadlineState
from ..clock import zone_for
from ..models import Deadline, DeadlineRule
from ..rules import due_from_rule, rule_for
from ..schedule import offset_seconds
from ._common import (
    aware,
    close,
    keep_referral_in_step,
    new_clock,
    require_active,
    reschedule_reminders,
    schedule_first_reminders,
)


def _require_extendable(deadline: Deadline) -> None:
    rule: DeadlineRule | None = deadline.rule
    if deadline.case is not None and deadline.case.is_closed:
        raise DomainError(f"Case {deadline.case.number} is closed.", field="case")
    allowed = rule.extensions_allowed if rule is not None else None
    if allowed is not None and deadline.extension_count >= allowed:
        times = "no extension" if not allowed else f"{allowed} extension{'s' * (allowed > 1)}"
        raise DomainError(
            f"{rule.name} allows {times} ({rule.citation.splitlines()[0][:120]}).",
            field="new_due_at",
        )


def _extended_due(deadline: Deadline, new_due_at: datetime | None) -> datetime:
    """The given time, else the rule's extension period from the old due time."""
    rule = deadline.rule
    zone = zone_for(deadline.time_zone)
    if new_due_at is not None:
        new_due_at = aware(new_due_at, zone)
    elif rule is not None and (rule.extension_days or rule.extension_months):
        new_due_at = due_from_rule(
            rule=rule,
            starts_at=deadline.due_at,
            zone=zone,
            jurisdiction=deadline.jurisdiction,
            months=rule.extension_months,
            days=rule.extension_days,
        )
    else:
        raise DomainError("Give the new due time.", field="new_due_at")
    if new_due_at <= deadline.due_at:
        raise DomainError("The new due time must be after the current one.", field="new_due_at")
    return new_due_at


def _extension(*, actor, deadline: Deadline, new_due_at: datetime, reason: str) -> Deadline:
    """The clock that continues ``deadline``: of the rule's extension kind (a renewed 2703(f)
    preservation is a renewal, under its own rule), counting extensions of the same rule."""
    rule = deadline.rule
    new_kind = (rule.extension_kind if rule is not None else "") or deadline.kind
    new_rule = (
        rule
        if new_kind == deadline.kind
        else rule_for(kind=new_kind, jurisdiction=deadline.jurisdiction)
    )
    offsets = list(deadline.reminder_offsets)
    if new_rule is not None:
        offsets = offset_seconds(new_rule.offsets)
    now = timezone.now()
    extension = new_clock(
        actor=actor,
        due_at=new_due_at,
        offsets=offsets,
        unit=deadline.unit,
        case=deadline.case,
        referral=deadline.referral,
        source_type=deadline.source_type,
        source_id=deadline.source_id,
        kind=new_kind,
        rule=new_rule,
        note=deadline.note,
        jurisdiction=deadline.jurisdiction,
        time_zone=deadline.time_zone,
        starts_at=deadline.starts_at,
        owner=deadline.owner,
        extension_count=0 if new_rule is not rule else deadline.extension_count + 1,
        reason=reason,
    )
    extension.save(force_insert=True)
    schedule_first_reminders([extension], now=now)
    return extension


@transaction.atomic
def deadline_extend(
    *, actor, deadline: Deadline, new_due_at: datetime | None = None, reason: str
) -> Deadline:
    """Extend (or renew) a clock: the old one becomes ``extended`` and links to a new one.

    Without ``new_due_at`` the rule's extension period runs from the old due time (18 U.S.C.
    2703(f)(2): "an additional 90-day period"). The rule limits how often: a renewed 2703(f)
    preservation is a ``preservation_renewal`` whose rule allows no further renewal.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the deadline is extended.", field="reason")
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("rule", "case", "referral", "unit", "owner")
        .get(pk=deadline.pk)
    )
    require_active(deadline, "extended")
    _require_extendable(deadline)
    new_due_at = _extended_due(deadline, new_due_at)
    extension = _extension(actor=actor, deadline=deadline, new_due_at=new_due_at, reason=reason)
    before = deadline.state
    deadline.extended_to = extension
    close(
        deadline, actor=actor, state=DeadlineState.EXTENDED, reason=reason, extra=("extended_to",)
    )
    audit_record(
        actor=actor,
        action="deadline.extend",
        target=deadline,
        case_id=deadline.case_id,
        changes={
            "state": [before, DeadlineState.EXTENDED],
            "due_at": [deadline.due_at.isoformat(), new_due_at.isoformat()],
        },
        details={"reason": reason, "extension": str(extension.reference), "kind": extension.kind},
    )
    keep_referral_in_step(actor=actor, deadline=extension, reason=reason)
    return extension


@transaction.atomic
def deadline_reschedule(*, actor, deadline: Deadline, due_at: datetime, reason: str) -> Deadline:
    """Move an open clock whose basis changed (a referral re-prioritised): same clock, new due
    time, reminders recomputed. A legal clock is extended instead, which keeps the history."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the due time changes.", field="reason")
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    require_active(deadline, "rescheduled")
    now = timezone.now()
    if deadline.starts_at > now and due_at < deadline.starts_at:
        deadline.starts_at = now  # a next period brought forward begins now
    if due_at < deadline.starts_at:
        raise DomainError("The due time is before the start.", field="due_at")
    before = deadline.due_at
    deadline.due_at = due_at
    deadline.state = DeadlineState.OPEN if due_at > now else deadline.state
    deadline.save(update_fields=["starts_at", "due_at", "state", "updated_at"])
    reschedule_reminders(deadline, now=now)
    audit_record(
        actor=actor,
        action="deadline.reschedule",
        target=deadline,
        case_id=deadline.case_id,
        changes={"due_at": [before.isoformat(), due_at.isoformat()]},
        details={"reason": reason},
    )
    keep_referral_in_step(actor=actor, deadline=deadline, reason=reason)
    return deadline

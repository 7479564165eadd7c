"""Starting clocks: one by hand or by a handler (``deadline_start``), the clocks of a case
template (``deadlines_start_for_case``), and the clock an action starts on its own, adopting an
open one of the same kind rather than starting a second (``deadline_start_automatic``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from casework.audit.services import audit_record
from casework.core.errors import DomainError

from ..choices import ACTIVE_STATES, DeadlineKind
from ..clock import default_zone, zone_for
from ..models import Deadline, DeadlineRule
from ..offsets import parse_offsets
from ..rules import due_from_rule, rule_for
from ..schedule import offset_seconds
from ._common import (
    DEFAULT_REMINDERS,
    aware,
    keep_referral_in_step,
    local,
    new_clock,
    schedule_first_reminders,
)


def _subject(*, kind: str, case, referral, unit):
    """The case the clock hangs off (a referral's, once it has one) and its unit; refuses an
    unknown kind, a clock on nothing, and a closed case."""
    if kind not in DeadlineKind.values:
        raise DomainError(f"Unknown kind of deadline {kind!r}.", field="kind")
    unit_level = kind == DeadlineKind.AUDIT_WEEKLY_REVIEW and unit is not None
    if case is None and referral is None and not unit_level:
        raise DomainError("A deadline belongs to a case or a referral: name one.", field="case")
    if case is None and referral is not None and referral.case_id is not None:
        case = referral.case
    # A retention review is the one clock a closed case has: when to decide whether to keep it.
    if case is not None and case.is_closed and kind != DeadlineKind.RETENTION_REVIEW:
        raise DomainError(
            f"Case {case.number} is closed: reopen it before starting a deadline on it.",
            field="case",
        )
    if case is not None:
        unit = case.unit
    elif referral is not None:
        unit = referral.unit
    return case, unit


def _zone(time_zone: str | None, *, owner, unit):
    if not time_zone:
        # Not given: the owner's zone, else the unit's; a bad stored value is skipped, not
        # blamed on a caller who never named a zone.
        return default_zone(owner, unit)
    try:
        return time_zone, zone_for(time_zone)
    except ValueError as error:
        raise DomainError(str(error), field="time_zone") from error


def _due_time(*, kind, rule, due_at, referral, starts_at, zone, jurisdiction) -> datetime:
    """The given due time; else a referral's own triage due time; else the rule's."""
    if due_at is not None:
        due_at = aware(due_at, zone)
    elif kind == DeadlineKind.REFERRAL_TRIAGE and getattr(referral, "triage_due_at", None):
        due_at = referral.triage_due_at
    elif rule is None or rule.needs_due_at:
        label = DeadlineKind(kind).label
        raise DomainError(f"Give the due time: {label} has no duration rule.", field="due_at")
    else:
        due_at = due_from_rule(rule=rule, starts_at=starts_at, zone=zone, jurisdiction=jurisdiction)
    if due_at < starts_at:
        raise DomainError(
            f"The due time ({due_at:%Y-%m-%d %H:%M} UTC) is before the start "
            f"({starts_at:%Y-%m-%d %H:%M} UTC).",
            field="due_at",
        )
    return due_at


def _audit_start(*, actor, deadline: Deadline, source_type: str, source_id: str) -> None:
    audit_record(
        actor=actor,
        action="deadline.start",
        target=deadline,
        case_id=deadline.case_id,
        changes={"kind": [None, deadline.kind], "due_at": [None, deadline.due_at.isoformat()]},
        details={
            "rule": deadline.rule_id,
            "source": f"{source_type}:{source_id}" if source_type else "",
            "time_zone": deadline.time_zone,
        },
    )


@transaction.atomic
def deadline_start(
    *,
    actor,
    kind: str,
    case=None,
    referral=None,
    source_type: str = "",
    source_id: str = "",
    starts_at: datetime | None = None,
    due_at: datetime | None = None,
    owner=None,
    time_zone: str | None = None,
    jurisdiction: str = "",
    note: str = "",
    unit=None,
) -> Deadline:
    """Start a clock of ``kind`` on a case or referral.

    The due time comes from the kind's rule (for the jurisdiction, and for referral triage the
    referral's priority) unless ``due_at`` is given. The clock is reckoned in ``time_zone``
    (default: the owner's, then the unit's zone). Refuses a closed case, a due time before the
    start and an unknown time zone, writing nothing.
    """
    case, unit = _subject(kind=kind, case=case, referral=referral, unit=unit)
    if owner is None and case is not None:
        owner = case.lead
    zone_name, zone = _zone(time_zone, owner=owner, unit=unit)
    jurisdiction = (jurisdiction or "").strip().upper()
    now = timezone.now()
    starts_at = aware(starts_at, zone) if starts_at is not None else now
    subject = referral if referral is not None else case
    rule = rule_for(
        kind=kind, jurisdiction=jurisdiction, priority=getattr(subject, "priority", "") or ""
    )
    due_at = _due_time(
        kind=kind,
        rule=rule,
        due_at=due_at,
        referral=referral,
        starts_at=starts_at,
        zone=zone,
        jurisdiction=jurisdiction,
    )
    offsets = offset_seconds(rule.offsets if rule is not None else parse_offsets(DEFAULT_REMINDERS))
    deadline = new_clock(
        actor=actor,
        due_at=due_at,
        offsets=offsets,
        unit=unit,
        case=case,
        referral=referral,
        source_type=source_type[:60],
        source_id=str(source_id)[:100],
        kind=kind,
        rule=rule,
        note=note.strip(),
        jurisdiction=jurisdiction,
        time_zone=zone_name,
        starts_at=starts_at,
        owner=owner,
    )
    deadline.save(force_insert=True)
    schedule_first_reminders([deadline], now=now)
    _audit_start(actor=actor, deadline=deadline, source_type=source_type, source_id=source_id)
    if referral is not None and getattr(referral, "triage_due_at", None) != due_at:
        keep_referral_in_step(actor=actor, deadline=deadline, reason="Triage clock started.")
    return deadline


@transaction.atomic
def deadlines_start_for_case(
    *, actor, case, rules: list[DeadlineRule], source_type: str, source_ids: list[str], note: str
) -> list[Deadline]:
    """Start one clock per rule on a case being opened (a case template's clocks), each
    reckoned by its own rule as ``deadline_start`` reckons it, in one INSERT and one audit
    event listing them: opening a case must stay quick however many clocks it starts."""
    if case.is_closed:
        raise DomainError(f"Case {case.number} is closed: no clock starts on it.", field="case")
    owner = case.lead
    zone_name, zone = default_zone(owner, case.unit)
    now = timezone.now()
    starts_at = case.opened_at
    rows = []
    for rule, source_id in zip(rules, source_ids, strict=True):
        if rule.needs_due_at:
            raise DomainError(f"{rule} has no duration: it cannot start on its own.", field="rule")
        due_at = due_from_rule(
            rule=rule, starts_at=starts_at, zone=zone, jurisdiction=rule.jurisdiction
        )
        rows.append(
            new_clock(
                actor=actor,
                due_at=due_at,
                offsets=offset_seconds(rule.offsets),
                unit_id=case.unit_id,
                case=case,
                source_type=source_type[:60],
                source_id=str(source_id)[:100],
                kind=rule.kind,
                rule=rule,
                note=note,
                jurisdiction=rule.jurisdiction,
                time_zone=zone_name,
                starts_at=starts_at,
                owner=owner,
            )
        )
    if not rows:
        return []
    created = Deadline.objects.bulk_create(rows)
    schedule_first_reminders(created, now=now)
    audit_record(
        actor=actor,
        action="deadline.start_bulk",
        target=case,
        case_id=case.pk,
        details={
            "source": source_type,
            "time_zone": zone_name,
            "deadlines": [
                {"reference": str(d.reference), "kind": d.kind, "rule": d.rule_id,
                 "due_at": d.due_at.isoformat()}
                for d in created
            ],
        },
    )  # fmt: skip
    return created


@dataclass(frozen=True)
class StartedClock:
    """A clock an action started on its own, or the open one it adopted instead."""

    deadline: Deadline
    adopted: bool = False

    # What the API says about it (``casework.core.serializers.StartedClockSerializer``): the
    # same facts the web confirmation puts in words, so an integration need not re-read the case.
    @property
    def kind(self) -> str:
        return self.deadline.kind

    @property
    def label(self) -> str:
        return self.deadline.get_kind_display()

    @property
    def reference(self):
        return self.deadline.reference

    @property
    def due_at(self) -> datetime:
        return self.deadline.due_at

    @property
    def time_zone(self) -> str:
        return self.deadline.time_zone

    @property
    def url(self) -> str:
        return reverse("deadlines-api:deadline", args=[self.deadline.reference])

    def sentence(self) -> str:
        label = self.deadline.get_kind_display()
        due = local(self.deadline.due_at, self.deadline.time_zone)
        if self.adopted:
            return (
                f"{label}: the open deadline already running (due {due}) now belongs to this "
                "record; no second clock was started."
            )
        return f"{label} clock started: due {due}."


@transaction.atomic
def deadline_start_automatic(
    *, actor, kind: str, case=None, referral=None, source_type: str, source_id: str, **kwargs
) -> StartedClock:
    """Start the clock an action starts on its own (a request sent, an exhibit seized), unless
    an open clock of the same kind already runs for the same record: one started by hand on the
    same case (or referral) with no source, or one from this very source. That one is adopted
    (linked to the source, its due time kept, since a person set it deliberately) and no
    duplicate starts. Either way the caller can say aloud what happened.
    """
    if case is None and referral is not None and referral.case_id is not None:
        case = referral.case
    stored_type, stored_id = source_type[:60], str(source_id)[:100]
    same_record = Q(case=case) if case is not None else Q(referral=referral, case__isnull=True)
    existing = (
        Deadline.objects.select_for_update()
        .filter(kind=kind, state__in=ACTIVE_STATES)
        .filter(Q(source_type=stored_type, source_id=stored_id) | (same_record & Q(source_type="")))
        .order_by("due_at", "pk")
        .first()
    )
    if existing is None:
        started = deadline_start(
            actor=actor,
            kind=kind,
            case=case,
            referral=referral,
            source_type=source_type,
            source_id=source_id,
            **kwargs,
        )
        return StartedClock(started)
    if existing.source_type != stored_type or existing.source_id != stored_id:
        existing.source_type, existing.source_id = stored_type, stored_id
        existing.save(update_fields=["source_type", "source_id", "updated_at"])
        audit_record(
            actor=actor,
            action="deadline.adopt",
            target=existing,
            case_id=existing.case_id,
            changes={"source": ["", f"{source_type}:{source_id}"]},
            details={"kind": kind},
        )
    return StartedClock(existing, adopted=True)

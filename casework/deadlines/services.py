"""State changes of deadlines: start, meet, waive, extend, and the reminder sweep.

Each function is one transaction and writes its audit event. Callers (views, API, other apps'
services, event handlers) decide access through ``casework.deadlines.selectors`` before calling;
these functions check that the change makes sense. Two also check who asks, because the rule is
about the person (``acts``): meeting by hand and waiving. ``deadline_meet`` itself is for the
services that record the act a clock stands for (a review, a triage, an answer, a submission).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from casework.accounts.choices import Role
from casework.accounts.models import Unit
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.cases.choices import Priority
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.notifications import notify
from casework.referrals.models import Referral

from .acts import may_meet_by_hand, may_waive, meeting_act
from .choices import ACTIVE_STATES, DeadlineKind, DeadlineState, ReminderKind
from .clock import zone_for
from .models import CalendarFeedToken, Deadline, DeadlineReminder, DeadlineRule
from .offsets import parse_offsets
from .rules import due_from_rule, rule_for

DEFAULT_REMINDERS = "7d, 1d, 2h"
# One sweep claims at most this many reminders; the rest wait for the next beat. It bounds the
# transaction, not the work: the schedule runs every minute.
SWEEP_BATCH = 100_000
SEND_CHUNK = 500
# Reminders claimed but not e-mailed after this long are sent again (the worker died).
RESEND_AFTER = timedelta(minutes=10)
# A reminder whose sending keeps failing is tried this often, then left to the administrators
# (who were told at the first failure).
MAX_SEND_ATTEMPTS = 5
_SWEEP_LOCK = 0x0DEAD11E


def _aware(value: datetime, zone) -> datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=zone)


def _first_reminder_at(due_at: datetime, offsets: list[int], now: datetime) -> datetime | None:
    """The earliest reminder time still ahead; ``now`` when every one has passed but the clock
    has not (started late: one catch-up reminder, which says it is late), else none."""
    upcoming = [
        due_at - timedelta(seconds=s) for s in offsets if due_at - timedelta(seconds=s) > now
    ]
    if upcoming:
        return min(upcoming)
    return now if offsets and due_at > now else None


def _default_zone(owner, unit):
    for name in (getattr(owner, "time_zone", ""), unit.time_zone, settings.TIME_ZONE, "UTC"):
        try:
            return name, zone_for(name)
        except ValueError:
            continue
    raise AssertionError("UTC is always a known zone")  # pragma: no cover


def _default_owner(*, case, referral):
    if case is not None:
        return case.lead
    return None


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
    owner = owner if owner is not None else _default_owner(case=case, referral=referral)
    if time_zone:
        zone_name = time_zone
        try:
            zone = zone_for(zone_name)
        except ValueError as error:
            raise DomainError(str(error), field="time_zone") from error
    else:
        # Not given: the owner's zone, else the unit's; a bad stored value is skipped, not
        # blamed on a caller who never named a zone.
        zone_name, zone = _default_zone(owner, unit)
    jurisdiction = (jurisdiction or "").strip().upper()
    now = timezone.now()
    starts_at = _aware(starts_at, zone) if starts_at is not None else now
    subject = referral if referral is not None else case
    priority = getattr(subject, "priority", "") or ""
    rule = rule_for(kind=kind, jurisdiction=jurisdiction, priority=priority)
    if due_at is not None:
        due_at = _aware(due_at, zone)
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
    offsets = rule.offsets if rule is not None else parse_offsets(DEFAULT_REMINDERS)
    offset_seconds = [int(o.total_seconds()) for o in offsets]
    deadline = Deadline.objects.create(
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
        due_at=due_at,
        owner=owner,
        reminder_offsets=offset_seconds,
        next_reminder_at=_first_reminder_at(due_at, offset_seconds, now),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="deadline.start",
        target=deadline,
        case_id=case.pk if case is not None else None,
        changes={"kind": [None, kind], "due_at": [None, due_at.isoformat()]},
        details={
            "rule": rule.pk if rule else None,
            "source": f"{source_type}:{source_id}" if source_type else "",
            "time_zone": zone_name,
        },
    )
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
    zone_name, zone = _default_zone(owner, case.unit)
    now = timezone.now()
    starts_at = case.opened_at
    rows = []
    for rule, source_id in zip(rules, source_ids, strict=True):
        if rule.needs_due_at:
            raise DomainError(f"{rule} has no duration: it cannot start on its own.", field="rule")
        due_at = due_from_rule(
            rule=rule, starts_at=starts_at, zone=zone, jurisdiction=rule.jurisdiction
        )
        offsets = [int(o.total_seconds()) for o in rule.offsets]
        rows.append(
            Deadline(
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
                due_at=due_at,
                owner=owner,
                reminder_offsets=offsets,
                next_reminder_at=_first_reminder_at(due_at, offsets, now),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    if not rows:
        return []
    created = Deadline.objects.bulk_create(rows)
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
        due = _local(self.deadline.due_at, self.deadline.time_zone)
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
    same_record = Q(case=case) if case is not None else Q(referral=referral, case__isnull=True)
    existing = (
        Deadline.objects.select_for_update()
        .filter(kind=kind, state__in=ACTIVE_STATES)
        .filter(
            Q(source_type=source_type[:60], source_id=str(source_id)[:100])
            | (same_record & Q(source_type=""))
        )
        .order_by("due_at", "pk")
        .first()
    )
    if existing is None:
        return StartedClock(
            deadline_start(
                actor=actor,
                kind=kind,
                case=case,
                referral=referral,
                source_type=source_type,
                source_id=source_id,
                **kwargs,
            )
        )
    if existing.source_type != source_type[:60] or existing.source_id != str(source_id)[:100]:
        existing.source_type, existing.source_id = source_type[:60], str(source_id)[:100]
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


@transaction.atomic
def deadlines_hand_over(*, actor, case, previous, owner) -> int:
    """Give ``owner`` the case's running clocks that ``previous`` owned (a new lead takes over
    the lead's clocks; those owned by anyone else stay theirs). Returns how many moved."""
    moved = list(
        Deadline.objects.select_for_update()
        .filter(case=case, owner=previous, state__in=ACTIVE_STATES)
        .values_list("pk", flat=True)
    )
    if not moved:
        return 0
    Deadline.objects.filter(pk__in=moved).update(owner=owner, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="deadline.hand_over",
        object_type=Deadline._meta.label_lower,
        case_id=case.pk,
        changes={"owner": [previous.get_username(), owner.get_username()]},
        details={"deadline_ids": moved},
    )
    count = f"{len(moved)} running deadline{'s' if len(moved) != 1 else ''}"
    notify(
        recipients=[owner],
        kind="deadline.hand_over",
        subject=f"{case.number} is yours: {count} moved to you",
        body=f"{previous.get_username()} handed {case.number} over; its {count} are now yours.",
        link=reverse("deadlines:mine"),
        dedupe_key=f"deadline-hand-over:{case.pk}:{owner.pk}:{max(moved)}",
    )
    return len(moved)


_START_TRIAGE_BULK = f"""
INSERT INTO {Deadline._meta.db_table} (
    created_at, updated_at, reference, unit_id, case_id, referral_id, source_type, source_id,
    kind, rule_id, note, jurisdiction, time_zone, starts_at, due_at, owner_id, state,
    reminder_offsets, next_reminder_at, extension_count, extended_to_id, closed_at,
    closed_by_id, missed_at, reason, created_by_id)
SELECT %(now)s, %(now)s, gen_random_uuid(), r.unit_id, NULL, r.id, 'referral', r.id::text,
       %(kind)s, p.rule_id, '', '', coalesce(nullif(u.time_zone, ''), %(zone)s),
       least(r.received_at, r.triage_due_at), r.triage_due_at, NULL, %(open)s, p.offsets,
       -- the first reminder still ahead, or a catch-up now, as _first_reminder_at computes it
       coalesce(
         (SELECT min(r.triage_due_at - make_interval(secs => o)) FROM unnest(p.offsets) AS o
           WHERE r.triage_due_at - make_interval(secs => o) > %(now)s),
         CASE WHEN r.triage_due_at > %(now)s AND cardinality(p.offsets) > 0
              THEN %(now)s::timestamptz END),
       0, NULL, NULL, NULL, NULL, '', %(created_by)s
  FROM {Referral._meta.db_table} AS r
  JOIN {Unit._meta.db_table} AS u ON u.id = r.unit_id
  JOIN (SELECT * FROM jsonb_to_recordset(%(rules)s::jsonb)
                  AS x(priority text, rule_id bigint, offsets integer[])) AS p
    ON p.priority = r.priority
 WHERE r.id = ANY(%(ids)s) AND r.case_id IS NULL AND r.triage_due_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM {Deadline._meta.db_table} AS d
                    WHERE d.referral_id = r.id AND d.kind = %(kind)s)
 ORDER BY r.id
RETURNING referral_id
"""


@transaction.atomic
def deadlines_start_triage_bulk(*, actor, referral_ids: list[int]) -> int:
    """Triage clocks for a bulk import: one INSERT … SELECT, not a service call per referral.

    Each referral's ``triage_due_at`` (set by the referrals app from its priority) is the due
    time, and its priority's rule gives the reminders, as ``deadline_start`` would; referrals
    already in a case, already with a triage clock, or with no due time are skipped. Returns
    how many clocks were started; one audit event covers them all (and the database's change
    capture records each row).
    """
    if not referral_ids:
        return 0
    rules = []
    for priority in Priority.values:
        rule = rule_for(kind=DeadlineKind.REFERRAL_TRIAGE, priority=priority)
        offsets = rule.offsets if rule else parse_offsets(DEFAULT_REMINDERS)
        rules.append(
            {
                "priority": priority,
                "rule_id": rule.pk if rule else None,
                "offsets": [int(o.total_seconds()) for o in offsets],
            }
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _START_TRIAGE_BULK,
            {
                "now": timezone.now(),
                "kind": DeadlineKind.REFERRAL_TRIAGE,
                "zone": settings.TIME_ZONE,
                "open": DeadlineState.OPEN,
                "rules": json.dumps(rules),
                "ids": list(referral_ids),
                "created_by": actor.pk if getattr(actor, "is_authenticated", False) else None,
            },
        )
        started = [row[0] for row in cursor.fetchall()]
    if started:
        audit_record(
            actor=actor,
            action="deadline.start_bulk",
            object_type=Deadline._meta.label_lower,
            details={
                "kind": DeadlineKind.REFERRAL_TRIAGE,
                "count": len(started),
                "first_referral_id": min(started),
                "last_referral_id": max(started),
            },
        )
    return len(started)


def _require_active(deadline: Deadline, verb: str) -> None:
    if deadline.state not in ACTIVE_STATES:
        raise ConflictError(
            f"This deadline is already {deadline.get_state_display().lower()}: "
            f"it cannot be {verb}.",
            field="state",
        )


def _close(
    deadline: Deadline, *, actor, state: str, reason: str = "", extra: tuple[str, ...] = ()
) -> None:
    deadline.state = state
    deadline.closed_at = timezone.now()
    deadline.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    deadline.next_reminder_at = None
    if reason:
        deadline.reason = reason
    deadline.save(
        update_fields=[
            "state",
            "closed_at",
            "closed_by",
            "next_reminder_at",
            "reason",
            "updated_at",
            *extra,
        ]
    )


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


@transaction.atomic
def deadline_meet(*, actor, deadline: Deadline) -> Deadline:
    """Record that what the clock asked for was done (late, if it had been missed).

    For the service that records the act itself (``acts.meeting_act``), in its transaction;
    a person marking a clock as met goes through ``deadline_meet_by_hand``.
    """
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    _require_active(deadline, "met")
    before = deadline.state
    _close(deadline, actor=actor, state=DeadlineState.MET)
    audit_record(
        actor=actor,
        action="deadline.meet",
        target=deadline,
        case_id=deadline.case_id,
        changes={"state": [before, DeadlineState.MET]},
        details={"late": before == DeadlineState.MISSED},
    )
    _start_next_period(actor=actor, deadline=deadline)
    events.publish(events.DeadlineMet(deadline=deadline, actor=actor))
    return deadline


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
    _require_active(deadline, "met")
    reason = (reason or "").strip()
    now = timezone.now()
    late = deadline.state == DeadlineState.MISSED or deadline.due_at <= now
    if late and not reason:
        raise DomainError(
            f"This deadline was due {_local(deadline.due_at, deadline.time_zone)}: say why it "
            "is met late.",
            field="reason",
        )
    before = deadline.state
    _close(deadline, actor=actor, state=DeadlineState.MET, reason=reason)
    audit_record(
        actor=actor,
        action="deadline.meet",
        target=deadline,
        case_id=deadline.case_id,
        changes={"state": [before, DeadlineState.MET]},
        details={"late": late, "by_hand": True, "reason": reason},
    )
    _start_next_period(actor=actor, deadline=deadline)
    events.publish(events.DeadlineMet(deadline=deadline, actor=actor))
    return deadline


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
    _require_active(deadline, "waived")
    before = deadline.state
    _close(deadline, actor=actor, state=DeadlineState.WAIVED, reason=reason)
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
    _require_active(deadline, "extended")
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
    zone = zone_for(deadline.time_zone)
    if new_due_at is not None:
        new_due_at = _aware(new_due_at, zone)
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
    new_kind = (rule.extension_kind if rule is not None else "") or deadline.kind
    new_rule = (
        rule
        if new_kind == deadline.kind
        else rule_for(kind=new_kind, jurisdiction=deadline.jurisdiction)
    )
    offsets = list(deadline.reminder_offsets)
    if new_rule is not None:
        offsets = [int(o.total_seconds()) for o in new_rule.offsets]
    now = timezone.now()
    extension = Deadline.objects.create(
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
        due_at=new_due_at,
        owner=deadline.owner,
        reminder_offsets=offsets,
        next_reminder_at=_first_reminder_at(new_due_at, offsets, now),
        extension_count=0 if new_rule is not rule else deadline.extension_count + 1,
        reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    before = deadline.state
    deadline.extended_to = extension
    _close(
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
        details={"reason": reason, "extension": str(extension.reference), "kind": new_kind},
    )
    return extension


@transaction.atomic
def deadline_reschedule(*, actor, deadline: Deadline, due_at: datetime, reason: str) -> Deadline:
    """Move an open clock whose basis changed (a referral re-prioritised): same clock, new due
    time, reminders recomputed. A legal clock is extended instead, which keeps the history."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the due time changes.", field="reason")
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    _require_active(deadline, "rescheduled")
    now = timezone.now()
    if deadline.starts_at > now and due_at < deadline.starts_at:
        deadline.starts_at = now  # a next period brought forward begins now
    if due_at < deadline.starts_at:
        raise DomainError("The due time is before the start.", field="due_at")
    before = deadline.due_at
    deadline.due_at = due_at
    deadline.state = DeadlineState.OPEN if due_at > now else deadline.state
    deadline.next_reminder_at = _first_reminder_at(due_at, deadline.reminder_offsets, now)
    deadline.save(update_fields=["starts_at", "due_at", "state", "next_reminder_at", "updated_at"])
    audit_record(
        actor=actor,
        action="deadline.reschedule",
        target=deadline,
        case_id=deadline.case_id,
        changes={"due_at": [before.isoformat(), due_at.isoformat()]},
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


# --- The sweep -----------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What one sweep did: deadlines reminded (``claimed`` counts their offsets, several when a
    clock started late), missed and escalated, re-sent; ``skipped`` when another sweep held the
    lock."""

    reminders: int = 0
    claimed: int = 0
    missed: int = 0
    escalations: int = 0
    resent: int = 0
    skipped: bool = False
    reminder_ids: list[int] = field(default_factory=list, repr=False)


_MARK_MISSED = f"""
WITH overdue AS (
    UPDATE {Deadline._meta.db_table}
       SET state = 'missed', missed_at = %(now)s, next_reminder_at = NULL, updated_at = %(now)s
     WHERE state = 'open' AND due_at <= %(now)s
 RETURNING id
)
INSERT INTO {DeadlineReminder._meta.db_table}
       (deadline_id, kind, offset_seconds, message_offset_seconds, created_at)
SELECT id, 'escalation', 0, 0, %(now)s FROM overdue
ON CONFLICT (deadline_id, kind, offset_seconds) DO NOTHING
RETURNING id, deadline_id
"""

_CLAIM_REMINDERS = f"""
WITH due AS (
    SELECT id, due_at, reminder_offsets
      FROM {Deadline._meta.db_table}
     WHERE state = 'open' AND next_reminder_at <= %(now)s AND due_at > %(now)s
     ORDER BY next_reminder_at
     LIMIT %(limit)s
       FOR UPDATE SKIP LOCKED
),
advanced AS (
    UPDATE {Deadline._meta.db_table} AS d
       SET next_reminder_at = (
           SELECT min(d.due_at - make_interval(secs => o.seconds))
             FROM unnest(d.reminder_offsets) AS o(seconds)
            WHERE d.due_at - make_interval(secs => o.seconds) > %(now)s
       )
      FROM due
     WHERE d.id = due.id
)
INSERT INTO {DeadlineReminder._meta.db_table}
       (deadline_id, kind, offset_seconds, message_offset_seconds, created_at)
-- Every offset now due and never claimed before; the nearest of them speaks for the claim, so
-- the claim, not the sending tasks' chunks, decides that it is one message.
SELECT due.id, 'reminder', o.seconds, min(o.seconds) OVER (PARTITION BY due.id), %(now)s
  FROM due CROSS JOIN LATERAL unnest(due.reminder_offsets) AS o(seconds)
 WHERE due.due_at - make_interval(secs => o.seconds) <= %(now)s
   AND NOT EXISTS (SELECT 1 FROM {DeadlineReminder._meta.db_table} AS r
                    WHERE r.deadline_id = due.id AND r.kind = 'reminder'
                      AND r.offset_seconds = o.seconds)
ON CONFLICT (deadline_id, kind, offset_seconds) DO NOTHING
RETURNING id, deadline_id
"""

_UNSENT = f"""
SELECT id FROM {DeadlineReminder._meta.db_table}
 WHERE notified_at IS NULL AND offset_seconds = message_offset_seconds AND created_at <= %(stale)s
   AND attempts < %(attempts)s AND coalesce(failed_at, created_at) <= %(stale)s
 ORDER BY created_at
 LIMIT %(limit)s
"""


@transaction.atomic
def deadlines_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark overdue clocks missed and escalate them; claim the reminders that are due.

    Set-based: three statements over partial indexes (open clocks by due time, open clocks by
    next reminder), whatever the number of open clocks. Claiming is an ``INSERT … ON CONFLICT
    DO NOTHING`` into ``DeadlineReminder`` (unique per deadline, kind and offset), so a retry, a
    second worker or a restarted scheduler claims nothing twice; an advisory lock makes a second
    concurrent sweep return at once. Offsets of one clock claimed together are one message (the
    nearest speaks), which the claim records on each row. Sending happens after commit, in
    chunks, on the workers; a chunk boundary may fall inside a message without doubling it.
    """
    now = now or timezone.now()
    result = SweepResult()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SWEEP_LOCK])
        if not cursor.fetchone()[0]:
            result.skipped = True
            return result
        cursor.execute(_MARK_MISSED, {"now": now})
        escalated = cursor.fetchall()
        cursor.execute(_CLAIM_REMINDERS, {"now": now, "limit": SWEEP_BATCH})
        claimed_rows = cursor.fetchall()
        claimed = [row[0] for row in claimed_rows]
        cursor.execute(
            _UNSENT,
            {"stale": now - RESEND_AFTER, "limit": SWEEP_BATCH, "attempts": MAX_SEND_ATTEMPTS},
        )
        stale = [row[0] for row in cursor.fetchall()]
    result.missed = result.escalations = len(escalated)
    result.reminders = len({row[1] for row in claimed_rows})
    result.claimed = len(claimed)
    result.resent = len(stale)
    result.reminder_ids = [row[0] for row in escalated] + claimed + stale
    if escalated:
        ids = [row[1] for row in escalated]
        audit_record(
            actor=None,
            action="deadline.miss",
            object_type="deadlines.deadline",
            details={"count": len(ids), "deadline_ids": ids[:1000], "at": now.isoformat()},
        )
    if result.reminder_ids:
        chunks = [
            result.reminder_ids[i : i + SEND_CHUNK]
            for i in range(0, len(result.reminder_ids), SEND_CHUNK)
        ]
        transaction.on_commit(lambda: _dispatch(chunks))
    return result


def _dispatch(chunks: list[list[int]]) -> None:
    from .tasks import send_deadline_reminders

    for chunk in chunks:
        send_deadline_reminders.delay(chunk)


def _supervisors_by_unit(unit_ids: set[int]) -> dict[int, list]:
    from casework.accounts.models import User

    found: dict[int, list] = defaultdict(list)
    supervisors = User.objects.filter(
        unit_id__in=unit_ids, is_active=True, is_service_account=False, groups__name=Role.SUPERVISOR
    ).distinct()
    for user in supervisors:
        found[user.unit_id].append(user)
    return found


def _local(value: datetime, zone_name: str) -> str:
    try:
        zone = zone_for(zone_name)
    except ValueError:
        zone = timezone.get_current_timezone()
    return value.astimezone(zone).strftime("%d %b %Y %H:%M %Z")


def _words(delta_text: str) -> str:
    # Django's timesince joins with no-break spaces; e-mail subjects read better with plain ones.
    return delta_text.replace("\xa0", " ")


def _reminder_message(
    deadline: Deadline, now: datetime, *, message_offset: int
) -> tuple[str, str, str]:
    link = reverse("deadlines:detail", args=[deadline.reference])
    label = deadline.get_kind_display()
    subject = (
        f"{label} for {deadline.subject_label} due in {_words(timeuntil(deadline.due_at, now))}"
    )
    body = f"Due {_local(deadline.due_at, deadline.time_zone)}."
    reminder_time = deadline.due_at - timedelta(seconds=message_offset)
    if reminder_time < deadline.created_at:
        before = _words(timeuntil(deadline.due_at, reminder_time))
        body = (
            f"Late reminder: this deadline was recorded "
            f"{_local(deadline.created_at, deadline.time_zone)}, after its last reminder time "
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
        f"({_words(timesince(deadline.due_at, now))} ago)"
    )
    body = f"It was due {_local(deadline.due_at, deadline.time_zone)}; owner: {owner}."
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
    from casework.accounts.models import User

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


# --- Calendar feed -------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_token_issue(*, actor) -> str:
    """A new secret feed token for ``actor``, replacing any earlier one (which stops working).
    Returns the token itself: it is shown once and only its hash is kept."""
    import hashlib
    import secrets

    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    existed = CalendarFeedToken.objects.filter(user=actor).delete()[0] > 0
    CalendarFeedToken.objects.create(user=actor, token_hash=digest)
    audit_record(
        actor=actor,
        action="deadline.feed_token_regenerate" if existed else "deadline.feed_token_create",
        target=actor,
    )
    return token


@transaction.atomic
def calendar_feed_token_revoke(*, actor) -> bool:
    deleted = CalendarFeedToken.objects.filter(user=actor).delete()[0] > 0
    if deleted:
        audit_record(actor=actor, action="deadline.feed_token_revoke", target=actor)
    return deleted


@transaction.atomic
def deadlines_move_case(*, actor, duplicate, original) -> int:
    """A merge (``CaseMerged``): the duplicate's clocks run on the original, with their
    owners and due times; its periodic review ends (the original has its own). Returns how
    many moved."""
    for review in Deadline.objects.select_for_update().filter(
        case=duplicate, kind=DeadlineKind.CASE_REVIEW, state__in=ACTIVE_STATES
    ):
        review.state, review.reason = DeadlineState.WAIVED, f"Merged into {original.number}."
        review.closed_at, review.closed_by = timezone.now(), actor
        review.next_reminder_at = None
        review.save(
            update_fields=[
                "state",
                "reason",
                "closed_at",
                "closed_by",
                "next_reminder_at",
                "updated_at",
            ]
        )
    moved = (
        Deadline.objects.filter(case=duplicate)
        .exclude(kind=DeadlineKind.CASE_REVIEW)
        .update(case=original, unit_id=original.unit_id)
    )
    audit_record(
        actor=actor,
        action="deadline.move",
        object_type="cases.case",
        object_id=str(original.pk),
        case_id=original.pk,
        details={"from": duplicate.number, "deadlines": moved},
    )
    return moved


@transaction.atomic
def deadlines_transfer_case(*, actor, case, team: Collection[int]) -> int:
    """A case handed to another unit (``case.transferred``): its running clocks go with it,
    and those the sending team owned go to the new lead. Closed clocks stay where they were
    kept, in the sending unit's history."""
    running = Deadline.objects.filter(case=case, state__in=ACTIVE_STATES)
    moved = running.update(unit_id=case.unit_id)
    handed = running.filter(owner_id__in=list(team)).update(owner_id=case.lead_id)
    audit_record(
        actor=actor,
        action="deadline.transfer",
        object_type="cases.case",
        object_id=str(case.pk),
        case_id=case.pk,
        details={"unit": case.unit_id, "deadlines": moved, "owners_changed": handed},
    )
    return moved

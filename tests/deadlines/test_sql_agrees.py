"""The rules the deadlines app holds twice, once in Python and once in SQL, agree.

A clock started on its own reckons its first reminder in Python (``schedule.first_reminder_at``);
the triage clocks of a bulk import reckon theirs in one INSERT … SELECT. The sweep marks missed
clocks, claims due reminders and moves each clock to its next reminder in SQL; the same rules are
``schedule.is_missed``, ``offsets_due`` and ``next_reminder_after``. Each pair runs here on the
same clocks, over a spread of priorities, rules (changed reminders, no reminders, a priority whose
rule is switched off) and times (reminders ahead, all passed, already overdue).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from casework.deadlines import schedule, services
from casework.deadlines.choices import DeadlineState, ReminderKind
from casework.deadlines.models import Deadline, DeadlineReminder, DeadlineRule, ReminderSchedule
from casework.referrals.bulk import referrals_receive_bulk
from casework.referrals.services import active_incident_types, referral_receive
from casework.referrals.validation import clean_referral
from tests.referrals.factories import referral_data

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # the night before Europe leaves summer time
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
# Received this long before NOW: reminders all ahead, some passed, all passed (a catch-up
# reminder now), and overdue on arrival, depending on the priority's clock.
AGES = [timedelta(0), 2 * HOUR, 11 * HOUR, 23 * HOUR + 30 * timedelta(minutes=1), 3 * DAY, 8 * DAY]
PRIORITIES = ["P1", "P2", "P3", "P4"]
# Rule sets: the defaults; changed reminders (one with none at all); a priority switched off.
RULE_SETS = [
    {},
    {"P1": {"reminder_offsets": "6h, 30m"}, "P2": {"reminder_offsets": ""}},
    {"P3": {"reminder_offsets": "5d, 3d, 12h, 10m"}, "P4": {"active": False}},
]


class _Undo(Exception):
    pass


def _clocks(unit) -> dict[tuple[str, str], tuple]:
    """Each triage clock of ``unit``, by the received time and priority of its referral."""
    return {
        (d.referral.received_at.isoformat(), d.referral.priority): (
            d.rule_id,
            d.time_zone,
            d.starts_at,
            d.due_at,
            d.owner_id,
            d.state,
            d.reminder_offsets,
            d.next_reminder_at,
            d.source_type,
            d.source_id == str(d.referral_id),
            d.referral.triage_due_at,
        )
        for d in Deadline.objects.filter(unit=unit, kind="referral_triage").select_related(
            "referral"
        )
    }


def _start_both_ways(unit, actor) -> tuple[dict, dict]:
    """The clocks ``deadline_start`` starts for each referral received one by one, and those
    the bulk INSERT starts for the same referrals imported at once, at the same instant."""
    rows = [
        referral_data(received_at=NOW - age, priority=priority, identifiers=[])
        for age in AGES
        for priority in PRIORITIES
    ]
    results = []
    for way in ("python", "sql"):
        try:
            with time_machine.travel(NOW, tick=False), transaction.atomic():
                if way == "python":
                    for row in rows:
                        referral_receive(actor=actor, unit=unit, data=row)
                else:
                    types = active_incident_types()
                    batch = [
                        (line, clean_referral(row, incident_types=types)[0])
                        for line, row in enumerate(rows, start=1)
                    ]
                    referrals_receive_bulk(actor=actor, unit=unit, batches=[batch], source="t")
                results.append(_clocks(unit))
                raise _Undo
        except _Undo:
            pass
    return results[0], results[1]


@pytest.mark.parametrize("changes", RULE_SETS)
def test_a_bulk_import_starts_the_triage_clocks_that_receiving_each_starts(
    north, investigator, changes
):
    for priority, fields in changes.items():
        DeadlineRule.objects.filter(kind="referral_triage", priority=priority).update(**fields)
    python, sql = _start_both_ways(north, investigator)
    assert python.keys() == sql.keys()
    for key, clock in python.items():
        assert sql[key] == clock, key
    started = {priority for _, priority in python}
    switched_off = {p for p, fields in changes.items() if fields.get("active") is False}
    assert started == set(PRIORITIES) - switched_off
    reminders = {clock[7] for clock in python.values()}
    # The spread holds each case: a reminder ahead, a catch-up now, none (overdue or no offsets).
    assert NOW in reminders and None in reminders and any(r and r > NOW for r in reminders)


# --- The sweep ---------------------------------------------------------------------------------

OFFSET_SETS = [
    None,  # the court date rule's own: 14d, 7d, 1d, 2h
    [3600],
    [],
    [3 * 86400, 6 * 3600, 600],
]
DUE_IN = [HOUR, 3 * HOUR, DAY + HOUR, 2 * DAY, 8 * DAY, 15 * DAY, 20 * DAY]
SWEEPS = [timedelta(0), 30 * timedelta(minutes=1), 2 * HOUR, 5 * HOUR, DAY, 7 * DAY + HOUR]
SWEEPS += [9 * DAY, 16 * DAY, 21 * DAY]


def _court_dates(actor, case) -> list[Deadline]:
    clocks = []
    with time_machine.travel(NOW, tick=False):
        for offsets in OFFSET_SETS:
            for due_in in DUE_IN:
                deadline = services.deadline_start(
                    actor=actor, kind="court_date", case=case, due_at=NOW + due_in
                )
                if offsets is not None:
                    deadline.reminder_offsets = offsets
                    deadline.save(update_fields=["reminder_offsets"])
                    ReminderSchedule.objects.filter(deadline=deadline).delete()
                    first = schedule.first_reminder_at(deadline.due_at, offsets, NOW)
                    if first is not None:
                        ReminderSchedule.objects.create(deadline=deadline, next_reminder_at=first)
                clocks.append(deadline)
    return clocks


class _Expected:
    """One clock as the Python rules say the sweeps leave it."""

    def __init__(self, deadline: Deadline) -> None:
        self.pk = deadline.pk
        self.due_at = deadline.due_at
        self.offsets = list(deadline.reminder_offsets)
        self.state = deadline.state
        self.next_reminder_at = deadline.next_reminder_at
        self.claimed: set[int] = set()
        self.escalated = False

    def sweep(self, now: datetime) -> None:
        if schedule.is_missed(self.state, self.due_at, now):
            self.state, self.next_reminder_at, self.escalated = DeadlineState.MISSED, None, True
            return
        due = self.state == DeadlineState.OPEN and self.due_at > now
        if due and self.next_reminder_at is not None and self.next_reminder_at <= now:
            self.claimed |= set(schedule.offsets_due(self.due_at, self.offsets, now))
            self.next_reminder_at = schedule.next_reminder_after(self.due_at, self.offsets, now)


def test_the_sweep_marks_claims_and_moves_on_as_the_python_rules_say(investigator, north_case):
    clocks = _court_dates(investigator, north_case)
    expected = [_Expected(deadline) for deadline in clocks]
    for after in SWEEPS:
        moment = NOW + after
        result = services.deadlines_sweep(now=moment)
        assert not result.skipped
        for clock in expected:
            clock.sweep(moment)
        stored = {d.pk: d for d in Deadline.objects.filter(pk__in=[c.pk for c in expected])}
        claims = DeadlineReminder.objects.filter(deadline__in=clocks)
        reminded: dict[int, set[int]] = {}
        for deadline_id, offset in claims.filter(kind=ReminderKind.REMINDER).values_list(
            "deadline_id", "offset_seconds"
        ):
            reminded.setdefault(deadline_id, set()).add(offset)
        escalated = set(
            claims.filter(kind=ReminderKind.ESCALATION).values_list("deadline_id", flat=True)
        )
        for clock in expected:
            deadline = stored[clock.pk]
            where = (after, clock.due_at - NOW, clock.offsets)
            assert deadline.state == clock.state, where
            assert deadline.next_reminder_at == clock.next_reminder_at, where
            assert reminded.get(clock.pk, set()) == clock.claimed, where
            assert (clock.pk in escalated) == clock.escalated, where
    # The spread reached every branch: reminders claimed, clocks missed, clocks with none left.
    assert all(c.escalated for c in expected)
    assert any(c.claimed for c in expected) and any(not c.claimed for c in expected)

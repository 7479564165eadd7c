"""Reckoning due times across daylight-saving changes and public holidays, with fixed clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from casework.deadlines import services
from casework.deadlines.clock import compute_due, zone_for

pytestmark = pytest.mark.django_db

BERLIN = zone_for("Europe/Berlin")
NEW_YORK = zone_for("America/New_York")


def test_end_of_day_follows_the_spring_change_in_the_deadlines_zone():
    # Saturday 28 March 2026, 10:00 CET; the clocks go forward on Sunday 29 March.
    start = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    due = compute_due(starts_at=start, zone=BERLIN, days=1, end_of_day=True)
    assert due.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S %Z") == "2026-03-29 23:59:59 CEST"
    assert due == datetime(2026, 3, 29, 21, 59, 59, tzinfo=UTC)


def test_end_of_day_follows_the_autumn_change():
    start = datetime(2026, 10, 24, 9, 0, tzinfo=UTC)  # Saturday, CEST
    due = compute_due(starts_at=start, zone=BERLIN, days=1, end_of_day=True)
    assert due == datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)  # CET again


def test_a_period_in_hours_is_elapsed_time_across_the_change():
    start = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    due = compute_due(starts_at=start, zone=BERLIN, hours=24)
    assert due - start == timedelta(hours=24)
    assert due.astimezone(BERLIN).hour == 11  # 10:00 CET + 24 h = 11:00 CEST


def test_a_wall_time_in_the_spring_gap_moves_past_the_gap():
    start = datetime(2026, 3, 7, 7, 30, tzinfo=UTC)  # 02:30 EST, 7 March
    due = compute_due(starts_at=start, zone=NEW_YORK, days=1, end_of_day=False)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_business_days_skip_the_weekend_and_thanksgiving():
    # Wednesday 25 Nov 2026; Thursday 26 is Thanksgiving (US federal holiday).
    start = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    due = compute_due(starts_at=start, zone=NEW_YORK, days=2, business_days=True, holiday_code="US")
    # Friday 27 (1), skip Sat/Sun, Monday 30 (2).
    assert due.astimezone(NEW_YORK).date().isoformat() == "2026-11-30"


def test_holidays_differ_by_jurisdiction():
    start = datetime(2026, 12, 23, 12, 0, tzinfo=UTC)  # Wednesday
    germany = compute_due(
        starts_at=start, zone=BERLIN, days=2, business_days=True, holiday_code="DE"
    )
    us = compute_due(starts_at=start, zone=BERLIN, days=2, business_days=True, holiday_code="US")
    # Germany: 24 Dec is a working day, 25 and 26 Dec are holidays, Monday 28 Dec is day 2.
    assert germany.astimezone(BERLIN).date().isoformat() == "2026-12-28"
    # US: Christmas Day (Friday 25 Dec) only: 24 Dec (1), then Monday 28 Dec (2).
    assert us.astimezone(BERLIN).date().isoformat() == "2026-12-28"
    later = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
    assert (
        compute_due(starts_at=later, zone=BERLIN, days=1, business_days=True, holiday_code="DE")
        .astimezone(BERLIN)
        .date()
        .isoformat()
        == "2026-12-31"
    )


def test_months_keep_the_day_or_take_the_months_last_day():
    start = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    due = compute_due(starts_at=start, zone=zone_for("UTC"), months=12)
    assert due.date().isoformat() == "2029-02-28"


@time_machine.travel(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), tick=False)
def test_a_business_day_rule_uses_the_deadlines_jurisdiction(investigator, north_case):
    deadline = services.deadline_start(
        actor=investigator,
        kind="takedown_confirmation",
        case=north_case,
        time_zone="America/New_York",
        jurisdiction="US",
    )
    # 3 business days from Wed 25 Nov: Fri 27, Mon 30, Tue 1 Dec (Thanksgiving skipped).
    assert deadline.due_at.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M") == "2026-12-01 23:59"


@time_machine.travel(datetime(2026, 3, 28, 9, 0, tzinfo=UTC), tick=False)
def test_an_eu_emergency_order_runs_eight_elapsed_hours(investigator, north_case):
    deadline = services.deadline_start(
        actor=investigator,
        kind="eu_production_order_emergency",
        case=north_case,
        time_zone="Europe/Berlin",
        jurisdiction="DE",
    )
    assert deadline.due_at == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)

"""The home page at 2 a.m.: due within 72 hours first, then overdue in the last 30 days, then
older overdue work collapsed to a count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from casework.deadlines import services
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)


def _clock(actor, case, *, due, kind="legal_process_response"):
    with time_machine.travel(due - timedelta(days=400), tick=False):
        return services.deadline_start(actor=actor, kind=kind, case=case, due_at=due)


@pytest.fixture
def backlog(investigator):
    urgent = make_case(lead=investigator, title="Synthetic case urgent", priority="P1")
    routine = make_case(lead=investigator, title="Synthetic case routine", priority="P4")
    _clock(investigator, urgent, due=NOW + timedelta(hours=20), kind="court_date")
    _clock(investigator, routine, due=NOW + timedelta(days=9))  # beyond 72 hours: not shown
    _clock(investigator, routine, due=NOW - timedelta(days=3))
    for months in range(1, 9):  # reviews missed long ago: counted, not listed
        _clock(investigator, routine, due=NOW - timedelta(days=31 * months + 5))
    return urgent, routine


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_next_72_hours_first_then_recent_overdue_then_a_count(
    client_for, investigator, backlog, django_assert_max_num_queries
):
    urgent, routine = backlog
    client = client_for(investigator)
    with django_assert_max_num_queries(40):
        page = client.get("/").content.decode()
    start = page.index("My next deadlines")
    panel = page[start : page.index("</section>", start)]
    soon = panel.index("Due within 72 hours")
    recent = panel.index("Overdue in the last 30 days")
    assert soon < panel.index(urgent.number) < recent
    assert recent < panel.index(routine.number)
    assert "Synthetic case urgent" in panel and "Synthetic case routine" in panel
    assert "P1 – child at imminent risk" in panel
    assert "8 older overdue deadlines" in panel
    # Each old review is a count, not a line; the one 9 days ahead is not tonight's work.
    assert panel.count(f">{routine.number}<") == 1


@time_machine.travel(NOW, tick=False)
def test_the_panel_costs_the_same_queries_however_long_the_backlog(
    client_for, investigator, backlog, django_assert_max_num_queries
):
    client = client_for(investigator)
    client.get("/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get("/")
    _, routine = backlog
    for months in range(10, 30):
        _clock(investigator, routine, due=NOW - timedelta(days=31 * months))
    for hours in range(1, 6):
        _clock(investigator, routine, due=NOW - timedelta(hours=hours))
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(after.captured_queries) == len(before.captured_queries)

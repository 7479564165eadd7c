"""A supervisor's figures when need-to-know's sets outgrow the server's memory (issue 26).

A supervisor's figures test each row against sets that grow with the unit's whole history:
its cases (kept for years after they close) and its referrals never accepted, each an
``IN (subquery)`` inside an OR. PostgreSQL hashes such a set only while it fits in
``work_mem`` (times ``hash_mem_multiplier``); beyond that it reads the set again for every row
it tests, and with the default 4 MB a supervisor's dashboard went from under a second to
minutes once a unit held about 260,000 of either. The figures therefore compute with their
own ``work_mem`` (``FIGURE_MEMORY``).

Here the server's default is brought down to what a test can outgrow (64 kB, no multiplier:
about 2,000 ids) with a unit of 2,500 waiting referrals and 2,500 closed cases: without the
figures' own memory their queries read sets again per row; with it none does, the figures are
the same either way, and the connection is left as it was.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.cases.choices import CaseStatus, ClosureOutcome
from casework.cases.models import Case
from casework.oversight import selectors
from casework.oversight.figures import all_figures
from casework.oversight.sql import FIGURE_MEMORY, figure_memory
from casework.referrals.bulk import referrals_receive_bulk
from casework.referrals.models import Referral
from casework.referrals.services import active_incident_types, referral_accept
from casework.referrals.validation import clean_referral
from tests.oversight.conftest import work_mem
from tests.referrals.factories import referral_data

pytestmark = pytest.mark.django_db

WAITING = 2_500  # above the 2,048 ids of 32 bytes that 64 kB can hash
CLOSED = 2_500
ACCEPTED = 3


def _closed_cases(unit, lead) -> None:
    """Cases the unit closed in earlier years, as its history keeps them. Made directly, for
    volume only (2,500 openings and closings through the services would take minutes): no
    figure of the period counts them, but they are in the unit's set of cases."""
    opened = datetime(2019, 1, 7, tzinfo=UTC)
    Case.objects.bulk_create(
        Case(
            unit=unit,
            number=f"{unit.code}-2019-{9000 + n:06d}",
            year=2019,
            sequence=9000 + n,
            title=f"Synthetic closed case {n}",
            lead=lead,
            opened_at=opened,
            status=CaseStatus.CLOSED,
            closed_at=opened + timedelta(days=90),
            closure_outcome=ClosureOutcome.values[0],
            closure_reason="Synthetic history.",
        )
        for n in range(CLOSED)
    )


@pytest.fixture
def crowded_unit(north, investigator):
    """The North with 2,500 referrals waiting for triage, all within the period, three
    accepted into cases, and 2,500 cases closed in earlier years."""
    types = active_incident_types()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [
        (
            line,
            clean_referral(
                referral_data(
                    received_at=start + timedelta(minutes=line),
                    priority=("P1", "P2", "P3", "P4")[line % 4],
                ),
                incident_types=types,
            )[0],
        )
        for line in range(1, WAITING + 1)
    ]
    result = referrals_receive_bulk(actor=investigator, unit=north, batches=[rows], source="test")
    for referral in Referral.objects.filter(pk__in=result.referral_ids[:ACCEPTED]):
        with time_machine.travel(referral.received_at + timedelta(hours=1), tick=False):
            referral_accept(actor=investigator, referral=referral, lead=investigator)
    _closed_cases(north, investigator)
    # What autovacuum would have done by the time anyone looks: the planner decides whether a
    # set can be hashed from the table's statistics, not from its rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case, referrals_referral, deadlines_deadline")
    return north


def _little_memory() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64kB'")
        cursor.execute("SET LOCAL hash_mem_multiplier = 1")


def _subplans(node: dict):
    """Every node at the top of a subplan."""
    if node.get("Parent Relationship") == "SubPlan":
        yield node
    for child in node.get("Plans", []):
        yield from _subplans(child)


def _rescanned_sets(sql: str) -> list[str]:
    """The subplans of ``sql`` that read a set again for each row tested: a materialised set
    scanned more than once (each scan stops at the first match, so it may return one row), or
    any subplan that returned more than one row a time. A probe by key returns at most one."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return [
        f"{node['Node Type']} ({node.get('Subplan Name')}): {node['Actual Loops']} scans of "
        f"{node['Actual Rows']} rows"
        for node in _subplans(plan[0]["Plan"])
        if node["Actual Loops"] > 1
        and (node["Node Type"] == "Materialize" or node["Actual Rows"] > 1)
    ]


def _scope(supervisor):
    return selectors.scope_for(
        user=supervisor,
        unit=None,
        period_start=datetime(2026, 3, 1).date(),
        period_end=datetime(2026, 3, 31).date(),
        now=datetime(2026, 4, 1, tzinfo=UTC),
    )


def _rescans_per_figure(scope) -> dict[str, list[str]]:
    """Every figure's queries, run as the figure runs them, then explained on this
    connection as it is set now: the sets each reads again for every row."""
    found = {}
    for figure in all_figures():
        with CaptureQueriesContext(connection) as captured:
            selectors.compute_figure(figure, scope)
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "set_config" in sql:
                continue
            if rescans := _rescanned_sets(sql):
                found.setdefault(figure.key, []).extend(rescans)
    return found


def test_without_their_memory_the_figures_read_sets_again_for_every_row(crowded_unit, supervisor):
    """The data is large enough to matter: on the lowered default, the sets do not fit."""
    _little_memory()
    assert _rescans_per_figure(_scope(supervisor))


def test_with_their_memory_no_figure_reads_a_set_again_for_every_row(crowded_unit, supervisor):
    _little_memory()
    with figure_memory():
        assert _rescans_per_figure(_scope(supervisor)) == {}


def test_the_dashboard_computes_every_figure_with_its_memory(crowded_unit, supervisor, monkeypatch):
    _little_memory()
    seen = []
    compute = selectors.compute_figure

    def noting_the_memory(figure, scope):
        seen.append(work_mem())
        return compute(figure, scope)

    monkeypatch.setattr(selectors, "compute_figure", noting_the_memory)
    dashboard = selectors.dashboard_for(_scope(supervisor))
    assert len(seen) == len(dashboard.figures) == len(all_figures())
    assert set(seen) == {FIGURE_MEMORY}
    assert work_mem() == "64kB"  # as it was: the connection serves more requests


def test_the_memory_is_set_back_when_a_figure_fails(db):
    before = work_mem()
    with pytest.raises(RuntimeError), figure_memory():
        raise RuntimeError("a figure failed")
    assert work_mem() == before


def test_the_figures_do_not_depend_on_the_memory(crowded_unit, supervisor):
    scope = _scope(supervisor)
    with figure_memory():
        ample = {f.key: selectors.compute_figure(f, scope).table.rows for f in all_figures()}
    _little_memory()
    little = {f.key: selectors.compute_figure(f, scope).table.rows for f in all_figures()}
    assert little == ample
    # The crowded unit's referrals and their triage clocks are in what was compared.
    assert sum(row["waiting"] for row in ample["backlog_age"]) == WAITING - ACCEPTED
    assert sum(row["due"] for row in ample["deadline_outcomes"]) >= WAITING

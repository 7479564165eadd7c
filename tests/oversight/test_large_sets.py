"""A supervisor's figures when a need-to-know set is too large to hash (issue 26).

PostgreSQL tests ``x IN (subquery)`` inside an OR against a hash of the subquery's rows only
while that hash fits in ``work_mem``; beyond it, the subquery's rows are read again for every
row tested, and the figure's time grows with the product of the two. The unit's referrals
without a case are the set that grows with a unit's history (every referral never accepted,
year after year), and with four megabytes of ``work_mem`` a supervisor's dashboard went from
under a second to minutes once a unit held about 260,000 of them.

Here the threshold is brought down to what a test can reach (64 kB, with no multiplier for
hashes: about 2,000 ids) and every figure's queries are run with it: none may read a set
again for each row it tests. The figures must also stay what they are with ample memory.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.oversight import selectors
from casework.oversight.figures import all_figures
from casework.referrals.bulk import referrals_receive_bulk
from casework.referrals.services import active_incident_types
from casework.referrals.validation import clean_referral
from tests.referrals.factories import referral_data

pytestmark = pytest.mark.django_db

WAITING = 2_500  # above the 2,048 ids of 32 bytes that 64 kB can hash


@pytest.fixture
def crowded_unit(north, investigator):
    """The North with 2,500 referrals waiting for triage, all of them within the period."""
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
    referrals_receive_bulk(actor=investigator, unit=north, batches=[rows], source="test")
    # What autovacuum would have done by the time anyone looks: the planner decides whether a
    # set can be hashed from the table's statistics, not from its rows.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral, deadlines_deadline")
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
    """The subplans of ``sql`` that ran more than once and returned more than one row a time:
    a set read again for each row, where a probe per row returns at most one."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return [
        f"{node['Node Type']} ({node.get('Subplan Name')}): {node['Actual Loops']} scans of "
        f"{node['Actual Rows']} rows"
        for node in _subplans(plan[0]["Plan"])
        if node["Actual Loops"] > 1 and node["Actual Rows"] > 1
    ]


def _scope(supervisor):
    return selectors.scope_for(
        user=supervisor,
        unit=None,
        period_start=datetime(2026, 3, 1).date(),
        period_end=datetime(2026, 3, 31).date(),
        now=datetime(2026, 4, 1, tzinfo=UTC),
    )


def test_no_figure_reads_a_set_again_for_every_row(crowded_unit, supervisor):
    scope = _scope(supervisor)
    _little_memory()
    for figure in all_figures():
        with CaptureQueriesContext(connection) as captured:
            selectors.compute_figure(figure, scope)
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "set_config" in sql:
                continue
            assert _rescanned_sets(sql) == [], (figure.key, sql)


def test_the_figures_do_not_depend_on_the_memory(crowded_unit, supervisor):
    scope = _scope(supervisor)
    ample = {f.key: selectors.compute_figure(f, scope).table.rows for f in all_figures()}
    _little_memory()
    little = {f.key: selectors.compute_figure(f, scope).table.rows for f in all_figures()}
    assert little == ample
    # The crowded unit's referrals and their triage clocks are in what was compared.
    assert sum(row["waiting"] for row in ample["backlog_age"]) >= WAITING
    assert sum(row["due"] for row in ample["deadline_outcomes"]) >= WAITING

"""The indexes the dashboard's aggregates rely on are in the database.

Each figure filters one app's table by a unit (or its case's unit) and a time range. Without the
matching index the dashboard still answers, only slower and slower as the tables grow, so no
other test notices when one is dropped or renamed; these do. The plans that use them are in
docs/oversight.md ("How it stays fast").
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

# (model, index name, columns in order, a fragment of the partial index's WHERE or None)
DASHBOARD_INDEXES = [
    # Key columns, then the INCLUDE columns (source and priority: an index-only weekly count;
    # the case: a supervisor's need-to-know, issue 26).
    (
        "referrals.Referral",
        "referral_unit_received_idx",
        ["unit_id", "received_at", "source_kind", "priority", "case_id"],
        None,
    ),
    # The stored duration included: time to triage over every priority reads it (issue 26).
    (
        "referrals.Referral",
        "referral_unit_triage_time_idx",
        ["unit_id", "triaged_at", "priority", "triage_seconds", "triage_due_at", "case_id"],
        "triaged_at IS NOT NULL",
    ),
    # Each priority's triaged referrals of a period as one range, with their durations: the
    # percentiles of one priority sort that priority's rows only (issue 26).
    (
        "referrals.Referral",
        "referral_priority_triaged_idx",
        ["unit_id", "priority", "triaged_at", "triage_seconds", "triage_due_at", "case_id"],
        "triaged_at IS NOT NULL",
    ),
    ("cases.Case", "case_unit_closed_idx", ["unit_id", "closed_at"], "'closed'"),
    # Cases not closed per lead, and their ids for the assignments (caseload, issue 26).
    ("cases.Case", "case_open_lead_idx", ["unit_id", "lead_id", "priority", "id"], "'closed'"),
    (
        "cases.VictimRecord",
        "victim_identified_idx",
        ["identified_at"],
        "identified_at IS NOT NULL",
    ),
    (
        "cases.VictimRecord",
        "victim_safeguarded_idx",
        ["safeguarded_at"],
        "safeguarded_at IS NOT NULL",
    ),
    (
        "deadlines.Deadline",
        "deadline_unit_due_idx",
        ["unit_id", "due_at", "kind", "state", "closed_at", "case_id", "referral_id", "owner_id"],
        None,
    ),
    (
        "deadlines.Deadline",
        "deadline_unit_overdue_idx",
        ["unit_id", "due_at", "owner_id", "case_id", "referral_id"],
        "'missed'",
    ),
    (
        "partners.PartnerRequest",
        "request_answered_at_idx",
        ["answered_at"],
        "answered_at IS NOT NULL",
    ),
    # The other time and the case included: each month an index-only range (issue 26).
    (
        "custody.EvidenceItem",
        "evidence_seized_case_idx",
        ["seized_at", "submitted_at", "case_id"],
        None,
    ),
    (
        "custody.EvidenceItem",
        "evidence_submitted_case_idx",
        ["submitted_at", "seized_at", "case_id"],
        "submitted_at IS NOT NULL",
    ),
]


def _predicate(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [name],
        )
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("model_label", "name", "columns", "where"),
    DASHBOARD_INDEXES,
    ids=[entry[1] for entry in DASHBOARD_INDEXES],
)
def test_it_has_the_index_a_dashboard_figure_filters_by(model_label, name, columns, where):
    table = apps.get_model(model_label)._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    assert name in constraints, f"{table} has lost {name}: the dashboard would scan the table"
    assert constraints[name]["index"]
    # Column order matters: the unit first, then the time range (the query's WHERE clause).
    assert constraints[name]["columns"] == columns
    predicate = _predicate(name)
    if where is None:
        assert predicate is None
    else:
        assert predicate is not None and where in predicate


# (figure, the index its count reads alone). Index-only needs every column the query reads in
# the index: a COUNT(id) instead of COUNT(*), or one more column in a filter, turns it into a
# read of the table, which at national scale is most of the administrators' dashboard time.
INDEX_ONLY = [
    ("referrals_weekly", "referral_unit_received_idx"),
    ("referrals_weekly", "referral_unit_triage_time_idx"),
    ("triage_time", "referral_priority_triaged_idx"),
    ("triage_time", "referral_unit_triage_time_idx"),
    ("deadline_outcomes", "deadline_unit_due_idx"),
    ("overdue_by_person", "deadline_unit_overdue_idx"),
    ("seizure_to_submission", "evidence_seized_case_idx"),
    ("seizure_to_submission", "evidence_submitted_case_idx"),
]


@pytest.mark.parametrize(("key", "index"), INDEX_ONLY, ids=[f"{k}-{i}" for k, i in INDEX_ONLY])
def test_the_administrators_counts_read_the_index_alone(
    key, index, administrator, investigator, south
):
    """Over every unit (the two the personas belong to), with no need-to-know joins."""
    from datetime import date

    from django.test.utils import CaptureQueriesContext

    from casework.oversight import selectors
    from casework.oversight.figures import all_figures
    from casework.oversight.registry import FIGURES

    all_figures()
    scope = selectors.scope_for(
        user=administrator, unit=None, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)
    )
    with CaptureQueriesContext(connection) as captured:
        selectors.compute_figure(FIGURES[key], scope)
    plans = []
    with connection.cursor() as cursor:
        # The test tables are tiny, so the planner would read them whole or pick any index:
        # leave it this index alone (dropped in the test's transaction, rolled back after).
        # PostgreSQL scans an index "index only" whenever it holds every column the query reads,
        # so the plan says whether it does.
        cursor.execute(
            "SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = (SELECT indrelid FROM pg_index"
            "  WHERE indexrelid = %s::regclass)"
            " AND c.relname <> %s AND NOT i.indisunique",
            [index, index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        for method in ("seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        for query in captured.captured_queries:
            if query["sql"].startswith("SELECT"):
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert any(f"Index Only Scan using {index}" in plan for plan in plans), "\n\n".join(plans)


@pytest.mark.parametrize("model", ["referrals.Referral", "deadlines.Deadline"])
def test_autovacuum_keeps_the_dashboards_tables_visible_and_analyzed(model):
    table = apps.get_model(model)._meta.db_table
    # Index-only scans visit the table for pages not marked all-visible; the defaults (a fifth
    # of the table changed, a tenth to analyze) would leave an import's pages unmarked, and
    # the planner counting the rows from before it, for weeks.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
        options = set(cursor.fetchone()[0] or [])
    assert {
        "autovacuum_vacuum_scale_factor=0.02",
        "autovacuum_vacuum_insert_scale_factor=0.02",
        "autovacuum_analyze_scale_factor=0.02",
    } <= options

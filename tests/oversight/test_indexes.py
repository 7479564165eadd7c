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
    # Key columns, then the INCLUDE columns (source and priority: an index-only weekly count).
    (
        "referrals.Referral",
        "referral_unit_received_idx",
        ["unit_id", "received_at", "source_kind", "priority"],
        None,
    ),
    (
        "referrals.Referral",
        "referral_unit_triaged_idx",
        ["unit_id", "triaged_at"],
        "triaged_at IS NOT NULL",
    ),
    ("cases.Case", "case_unit_closed_idx", ["unit_id", "closed_at"], "'closed'"),
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
    ("deadlines.Deadline", "deadline_unit_due_idx", ["unit_id", "due_at"], None),
    (
        "partners.PartnerRequest",
        "request_answered_at_idx",
        ["answered_at"],
        "answered_at IS NOT NULL",
    ),
    ("custody.EvidenceItem", "evidence_seized_idx", ["seized_at"], None),
    (
        "custody.EvidenceItem",
        "evidence_submitted_idx",
        ["submitted_at"],
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

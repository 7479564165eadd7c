"""Case template figures: checklist items done, late, skipped and open."""

from __future__ import annotations

from casework.case_templates.models import ChecklistItem
from casework.case_templates.selectors import checklist_outcomes as checklist_outcome_counts

from ..registry import LABEL, Chart, Column, Scope, Table, figure
from .common import PAGE_ROWS, in_period


@figure(
    key="checklist_outcomes",
    title="Case template checklists: done, late, skipped",
    definition="""Checklist items of the cases opened in the period from a case template, per
    template and item: done on time (ticked by a person, or by the system when the record that
    proves it was written, no later than the item's due time), done late (after it), skipped
    (marked not applicable with a reason, or left open on a case that was closed), and still
    open (with how many of those are overdue). A template changed since keeps its items
    apart, by their wording.""",
    sources=("case_templates.ChecklistItem.state",),
    chart=Chart(
        "bar", "item", ("done", "late", "skipped"), "Checklist item", "Cases", stacked=True
    ),
    order=110,
    page_rows=PAGE_ROWS,
)
def checklist_outcomes(scope: Scope) -> Table:
    items = ChecklistItem.objects.filter(
        scope.cases(prefix="case__"), in_period(scope, "case__opened_at")
    )
    rows = [
        {
            "template": row["template__name"],
            "item": row["statement"],
            "total": row["total"],
            "done": row["done"],
            "late": row["late"],
            "skipped": row["skipped"],
            "open": row["open"],
            "overdue": row["overdue"],
        }
        for row in checklist_outcome_counts(items=items, now=scope.as_of)
    ]
    columns = [
        Column("template", "Template", LABEL),
        Column("item", "Checklist item", LABEL),
        Column("total", "Cases"),
        Column("done", "Done on time"),
        Column("late", "Done late"),
        Column("skipped", "Skipped"),
        Column("open", "Still open"),
        Column("overdue", "Of those, overdue"),
    ]
    return Table(columns, rows)

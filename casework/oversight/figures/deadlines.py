"""Deadline figures: deadlines met, missed and waived; overdue work by person."""

from __future__ import annotations

from django.db.models import F, Min, Q

from casework.cases.models import CaseTask
from casework.deadlines.choices import ACTIVE_STATES, DeadlineKind, DeadlineState
from casework.deadlines.models import Deadline

from ..registry import LABEL, MEASURE, Chart, Column, Link, Scope, Table, figure
from ..sql import CountRows
from .common import PAGE_ROWS, as_days, first_link, in_period, links_for, user_names


def _deadline_links(scope: Scope, **query) -> list[Link]:
    return links_for(
        scope,
        first_link(
            "Deadlines behind this figure",
            ("deadlines:board",),
            **query,
        ),
    )


@figure(
    key="deadline_outcomes",
    title="Deadlines met, missed and waived",
    definition="""Deadlines whose due time fell in the period, by kind and by what became of them:
    met by the due time, met late, missed (still not met after the due time), waived (no longer
    applying, with a reason), extended (replaced by a later deadline, counted under its own due
    time) or still open (due later today or not yet swept).""",
    sources=("deadlines.Deadline",),
    chart=Chart(
        "bar",
        "kind",
        ("met", "met_late", "missed", "waived"),
        "Kind of deadline",
        "Deadlines",
        stacked=True,
    ),
    order=50,
    links=lambda scope: _deadline_links(scope),
)
def deadline_outcomes(scope: Scope) -> Table:
    now = scope.now
    grouped = (
        Deadline.objects.filter(scope.deadlines(), in_period(scope, "due_at"))
        .values("kind")
        .annotate(
            due=CountRows(),
            met=CountRows(filter=Q(state=DeadlineState.MET, closed_at__lte=F("due_at"))),
            met_late=CountRows(filter=Q(state=DeadlineState.MET, closed_at__gt=F("due_at"))),
            missed=CountRows(
                filter=Q(state=DeadlineState.MISSED) | Q(state=DeadlineState.OPEN, due_at__lt=now),
            ),
            waived=CountRows(filter=Q(state=DeadlineState.WAIVED)),
            extended=CountRows(filter=Q(state=DeadlineState.EXTENDED)),
            still_open=CountRows(filter=Q(state=DeadlineState.OPEN, due_at__gte=now)),
        )
        .order_by()
    )
    by_kind = {row["kind"]: row for row in grouped}
    keys = ("due", "met", "met_late", "missed", "waived", "extended", "still_open")
    rows = [
        {"kind": label, **{key: by_kind[value][key] for key in keys}}
        for value, label in DeadlineKind.choices
        if value in by_kind
    ]
    if rows:
        rows.append({"kind": "All kinds", **{key: sum(r[key] for r in rows) for key in keys}})
    columns = [
        Column("kind", "Kind of deadline", LABEL),
        Column("due", "Due in the period"),
        Column("met", "Met on time"),
        Column("met_late", "Met late"),
        Column("missed", "Missed"),
        Column("waived", "Waived"),
        Column("extended", "Extended"),
        Column("still_open", "Still open"),
    ]
    return Table(columns, rows, note="" if rows else "No deadline fell due in the period.")


@figure(
    key="overdue_by_person",
    title="Overdue work by person",
    definition="""Work past its due time and not done, at the time shown, per person: deadlines
    still open or missed (by the deadline's owner; "No owner" for clocks nobody holds yet, such
    as untriaged referrals) and case tasks not done (by assignee). Measured now, whatever the
    period.""",
    sources=("deadlines.Deadline",),
    chart=Chart("bar", "person", ("deadlines", "tasks"), "Person", "Overdue items", stacked=True),
    order=60,
    page_rows=PAGE_ROWS,
    links=lambda scope: _deadline_links(scope),
)
def overdue_by_person(scope: Scope) -> Table:
    now = scope.now
    # Counted per person id, then named (see user_names).
    deadlines = (
        Deadline.objects.filter(scope.deadlines(), state__in=list(ACTIVE_STATES), due_at__lt=now)
        .values("owner_id")
        .annotate(count=CountRows(), oldest=Min("due_at"))
        .order_by()
    )
    tasks = (
        CaseTask.objects.filter(scope.cases("case__"), done_at__isnull=True, due_at__lt=now)
        .values(owner_id=F("assignee_id"))
        .annotate(count=CountRows(), oldest=Min("due_at"))
        .order_by()
    )
    counted = {"deadlines": list(deadlines), "tasks": list(tasks)}
    names = user_names({row["owner_id"] for rows in counted.values() for row in rows})
    people: dict[int | None, dict] = {}
    for kind, rows in counted.items():
        for row in rows:
            entry = people.setdefault(
                row["owner_id"],
                {
                    "person": names.get(row["owner_id"], "No owner"),
                    "deadlines": 0,
                    "tasks": 0,
                    "oldest_days": 0,
                },
            )
            entry[kind] = row["count"]
            overdue_days = as_days((now - row["oldest"]).total_seconds())
            entry["oldest_days"] = max(entry["oldest_days"] or 0, overdue_days or 0)
    rows = sorted(
        ({**row, "total": row["deadlines"] + row["tasks"]} for row in people.values()),
        key=lambda row: (-row["total"], row["person"]),
    )
    columns = [
        Column("person", "Person", LABEL),
        Column("deadlines", "Overdue deadlines"),
        Column("tasks", "Overdue tasks"),
        Column("total", "Total"),
        Column("oldest_days", "Oldest (days overdue)", MEASURE, base="total"),
    ]
    return Table(columns, rows, note="" if rows else "Nothing is overdue.")

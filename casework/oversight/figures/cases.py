"""Case figures: caseload per investigator, case outcomes, victims identified and safeguarded."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.db.models.functions import TruncMonth

from casework.cases.choices import CaseStatus, ClosureOutcome
from casework.cases.models import Case, CaseAssignment, VictimRecord

from ..registry import LABEL, MEASURE, Chart, Column, Link, Scope, Table, figure
from ..sql import CountRows, Percentile, month_starts, seconds_between
from .common import (
    PAGE_ROWS,
    as_days,
    bucket,
    first_link,
    in_period,
    links_for,
    month_label,
    user_names,
)


def _case_links(scope: Scope, **query) -> list[Link]:
    return links_for(
        scope, first_link("Cases behind this figure", ("cases:unit", "cases:list"), **query)
    )


@figure(
    key="caseload",
    title="Caseload per investigator",
    definition="""Cases not closed (open, active or suspended) at the time shown, per person: the
    cases they lead and the cases they are assigned to besides. A person appears once with both
    numbers; the caseload is measured now, whatever the period.""",
    sources=("cases.Case", "cases.CaseAssignment"),
    chart=Chart("bar", "person", ("led", "assigned"), "Investigator", "Open cases", stacked=True),
    order=40,
    page_rows=PAGE_ROWS,
    links=lambda scope: _case_links(scope, status="open"),
)
def caseload(scope: Scope) -> Table:
    # Counted per person id, then named (see user_names).
    led = list(
        Case.objects.filter(scope.cases())
        .exclude(status=CaseStatus.CLOSED)
        .values("lead_id")
        .annotate(led=CountRows(), led_p1=CountRows(filter=Q(priority="P1")))
        .order_by()
    )
    assigned = list(
        CaseAssignment.objects.filter(scope.cases("case__"))
        .exclude(case__status=CaseStatus.CLOSED)
        .values("user_id")
        .annotate(assigned=CountRows())
        .order_by()
    )
    names = user_names({row["lead_id"] for row in led} | {row["user_id"] for row in assigned})
    people: dict[int, dict] = {}
    for row in led:
        people[row["lead_id"]] = {
            "person": names.get(row["lead_id"], "No owner"),
            "led": row["led"],
            "led_p1": row["led_p1"],
            "assigned": 0,
        }
    for row in assigned:
        entry = people.setdefault(
            row["user_id"],
            {"person": names.get(row["user_id"], "No owner"), "led": 0, "led_p1": 0, "assigned": 0},
        )
        entry["assigned"] = row["assigned"]
    rows = sorted(
        ({**row, "total": row["led"] + row["assigned"]} for row in people.values()),
        key=lambda row: (-row["total"], row["person"]),
    )
    columns = [
        Column("person", "Investigator", LABEL),
        Column("led", "Leading"),
        Column("led_p1", "Of which P1"),
        Column("assigned", "Assigned"),
        Column("total", "Total"),
    ]
    return Table(columns, rows)


@figure(
    key="case_outcomes",
    title="Case outcomes",
    definition="""Cases closed in the period (closure approved by a supervisor), by the outcome
    recorded at closure, with the median number of days from opening to closing.""",
    sources=("cases.Case.closure_outcome",),
    chart=Chart("bar", "outcome", ("closed",), "Outcome", "Cases closed"),
    order=100,
    links=lambda scope: _case_links(scope, status="closed"),
)
def case_outcomes(scope: Scope) -> Table:
    closed = (
        Case.objects.filter(scope.cases(), in_period(scope, "closed_at"), status=CaseStatus.CLOSED)
        .values("closure_outcome")
        .annotate(
            closed=CountRows(),
            median=Percentile(seconds_between("closed_at", "opened_at"), 0.5),
        )
        .order_by()
    )
    by_outcome = {row["closure_outcome"]: row for row in closed}
    choices = list(ClosureOutcome.choices)
    if "" in by_outcome:
        choices.append(("", "Not recorded"))
    rows = [
        {
            "outcome": label,
            "closed": by_outcome.get(value, {}).get("closed", 0),
            "median_days": as_days(by_outcome.get(value, {}).get("median")),
        }
        for value, label in choices
    ]
    columns = [
        Column("outcome", "Outcome", LABEL),
        Column("closed", "Cases closed"),
        Column("median_days", "Median days open", MEASURE, base="closed"),
    ]
    return Table(columns, rows)


@figure(
    key="victims",
    title="Victims identified and safeguarded",
    definition="""Victim records whose identification was recorded in the month, and victim
    records whose safeguarding was recorded in the month (the first time each was recorded), on
    the unit's cases; with how many of those identified carry an ICSE reference. Counts only:
    no victim record is shown here.""",
    sources=("cases.VictimRecord.safeguarded_at",),
    chart=Chart("bar", "month", ("identified", "safeguarded"), "Month", "Victims"),
    order=90,
)
def victims(scope: Scope) -> Table:
    visible = VictimRecord.objects.filter(scope.victims())
    identified = (
        visible.filter(in_period(scope, "identified_at"))
        .annotate(month=TruncMonth("identified_at", tzinfo=scope.zone))
        .values("month")
        .annotate(
            identified=CountRows(),
            # An encrypted reference is NULL when empty: countable without the key.
            with_icse=CountRows(filter=Q(icse_reference_ct__isnull=False)),
        )
        .order_by()
    )
    safeguarded = (
        visible.filter(in_period(scope, "safeguarded_at"))
        .annotate(month=TruncMonth("safeguarded_at", tzinfo=scope.zone))
        .values("month")
        .annotate(safeguarded=CountRows())
        .order_by()
    )
    by_month: dict[date, dict] = {}
    for row in [*identified, *safeguarded]:
        by_month.setdefault(bucket(row.pop("month"), scope), {}).update(row)
    rows = [
        {
            "month": month_label(month),
            "identified": by_month.get(month, {}).get("identified", 0),
            "with_icse": by_month.get(month, {}).get("with_icse", 0),
            "safeguarded": by_month.get(month, {}).get("safeguarded", 0),
        }
        for month in month_starts(scope.first_day, scope.last_day)
    ]
    columns = [
        Column("month", "Month", LABEL),
        Column("identified", "Identified"),
        Column("with_icse", "Identified with an ICSE reference"),
        Column("safeguarded", "Safeguarded"),
    ]
    return Table(columns, rows)

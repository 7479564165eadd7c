"""Referral figures: arrivals and triage per week, time to triage, the triage backlog."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from casework.cases.choices import Priority
from casework.referrals.choices import OPEN_STATUSES, SourceKind
from casework.referrals.models import Referral

from ..registry import LABEL, MEASURE, SHARE, Chart, Column, Link, Scope, Table, figure
from ..sql import CountRows, counts_per_range, per_group_and_total
from .common import ONE_DAY, as_hours, first_link, in_period, links_for, week_label, week_ranges


def _referral_links(scope: Scope, **query) -> list[Link]:
    return links_for(
        scope,
        first_link(
            "Referrals behind this figure",
            ("referrals:queue",),
            **query,
        ),
    )


@figure(
    key="referrals_weekly",
    title="Referrals received and triaged per week",
    definition="""Referrals received per week (by the time they arrived), broken down by source and
    by our priority, and referrals whose triage ended per week (accepted into a case, declined
    or referred out; by the time triage ended). Weeks start on Monday in the unit's time zone.
    A second arrival of the same report is not counted again.""",
    sources=("referrals.Referral.triaged_at",),
    chart=Chart("line", "week", ("received", "triaged"), "Week starting", "Referrals"),
    order=10,
    links=lambda scope: _referral_links(scope, status="all"),
)
def referrals_weekly(scope: Scope) -> Table:
    visible = Referral.objects.filter(scope.referrals())
    weeks, bounds = week_ranges(scope)
    # One count per (week, source, priority), added up here: a year of a national unit is half
    # a million referrals, and COUNT(*) over these columns alone is an index-only scan of
    # referral_unit_received_idx, where a filtered count per column would read every row. The
    # weeks are ranges of the index (counts_per_range), not a date_trunc of every row.
    by_week: dict[date, dict] = {}
    received = counts_per_range(visible, "received_at", bounds, ("source_kind", "priority"))
    for position, source_kind, priority, count in received:
        week = by_week.setdefault(weeks[position], {})
        for key in ("received", f"source_{source_kind}", f"priority_{priority}"):
            week[key] = week.get(key, 0) + count
    for position, count in counts_per_range(
        visible.filter(triaged_at__isnull=False), "triaged_at", bounds
    ):
        by_week.setdefault(weeks[position], {})["triaged"] = count
    columns = [
        Column("week", "Week starting", LABEL),
        Column("received", "Received"),
        Column("triaged", "Triaged"),
        *(Column(f"source_{k}", f"From {label.lower()}") for k, label in SourceKind.choices),
        *(Column(f"priority_{p}", f"Priority {p}") for p in Priority.values),
    ]
    rows = []
    for week in weeks:
        values = by_week.get(week, {})
        rows.append(
            {"week": week_label(week)}
            | {column.key: values.get(column.key, 0) for column in columns[1:]}
        )
    return Table(columns, rows)


@figure(
    key="triage_time",
    title="Time to triage against the clock",
    definition="""For referrals whose triage ended in the period: the hours from arrival to the end
    of triage, as the median and the 90th percentile, and the share that ended within the
    triage clock set by the referral's priority (the due time on the referral).""",
    sources=("referrals.Referral.triage_due_at",),
    chart=Chart("bar", "priority", ("median_hours", "p90_hours"), "Priority", "Hours"),
    order=20,
    links=lambda scope: _referral_links(scope, status="all"),
)
def triage_time(scope: Scope) -> Table:
    triaged = Referral.objects.filter(
        scope.referrals(), in_period(scope, "triaged_at"), triaged_at__isnull=False
    )
    # Each priority is a range of referral_priority_triaged_idx with its stored durations
    # (triage_seconds: exactly the EXTRACT(EPOCH FROM triaged_at - received_at) computed here
    # before), so the percentiles sort one priority's rows at a time and convert nothing.
    grouped, overall = per_group_and_total(
        triaged,
        "priority",
        Priority.values,
        ("triage_seconds", "triaged_at", "triage_due_at"),
        {
            "triaged": "COUNT(*)",
            "median": "percentile_cont(0.5) WITHIN GROUP (ORDER BY triage_seconds)",
            "p90": "percentile_cont(0.9) WITHIN GROUP (ORDER BY triage_seconds)",
            "within": "COUNT(*) FILTER (WHERE triaged_at <= triage_due_at)",
        },
    )
    rows = []
    for level, label in [*Priority.choices, ("", "All priorities")]:
        row = overall if level == "" else grouped.get(level, {})
        count = row.get("triaged") or 0
        rows.append(
            {
                "priority": label if level == "" else level,
                "triaged": count,
                "median_hours": as_hours(row.get("median")),
                "p90_hours": as_hours(row.get("p90")),
                "within": row.get("within") or 0,
                "within_share": (row.get("within") or 0) / count if count else None,
            }
        )
    columns = [
        Column("priority", "Priority", LABEL),
        Column("triaged", "Triaged"),
        Column("median_hours", "Median (hours)", MEASURE, base="triaged"),
        Column("p90_hours", "90th percentile (hours)", MEASURE, base="triaged"),
        Column("within", "Within the clock"),
        Column("within_share", "Share within the clock", SHARE, base="triaged"),
    ]
    return Table(columns, rows)


BACKLOG_BUCKETS = (
    ("Under 1 day", 0, 1),
    ("1–3 days", 1, 3),
    ("3–7 days", 3, 7),
    ("7–30 days", 7, 30),
    ("Over 30 days", 30, None),
)


@figure(
    key="backlog_age",
    title="Triage backlog by age",
    definition="""Referrals still waiting for triage (new or in triage) at the time shown, by how
    long ago they arrived, and how many of them are past their triage clock. The backlog is
    measured now, whatever the period.""",
    sources=("referrals.Referral",),
    chart=Chart("bar", "age", ("waiting", "past_clock"), "Time since arrival", "Referrals waiting"),
    order=30,
    links=lambda scope: _referral_links(scope, status="open"),
)
def backlog_age(scope: Scope) -> Table:
    now = scope.now
    waiting = Referral.objects.filter(
        scope.referrals(), status__in=sorted(OPEN_STATUSES), received_at__lte=now
    )
    measures = {}
    for index, (_, low, high) in enumerate(BACKLOG_BUCKETS):
        condition = Q(received_at__lte=now - low * ONE_DAY)
        if high is not None:
            condition &= Q(received_at__gt=now - high * ONE_DAY)
        measures[f"waiting_{index}"] = CountRows(filter=condition)
        measures[f"late_{index}"] = CountRows(filter=condition & Q(triage_due_at__lt=now))
    totals = waiting.aggregate(**measures)
    rows = [
        {"age": label, "waiting": totals[f"waiting_{i}"], "past_clock": totals[f"late_{i}"]}
        for i, (label, _, _) in enumerate(BACKLOG_BUCKETS)
    ]
    columns = [
        Column("age", "Time since arrival", LABEL),
        Column("waiting", "Waiting for triage"),
        Column("past_clock", "Of which past the clock"),
    ]
    return Table(columns, rows)

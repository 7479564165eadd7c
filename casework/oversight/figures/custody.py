"""Custody figures: time from seizure to national database / ICSE submission."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.db.models.functions import TruncMonth

from casework.custody.models import EvidenceItem

from ..registry import LABEL, MEASURE, Chart, Column, Scope, Table, figure
from ..sql import CountRows, Percentile, month_starts, seconds_between
from .common import as_days, bucket, first_link, in_period, links_for, month_label


@figure(
    key="seizure_to_submission",
    title="Time from seizure to national database / ICSE submission",
    definition="""Evidence items by month: items seized in the month and how many of those are still
    not submitted to the national database / ICSE; items submitted in the month, with the median
    and 90th percentile of days from seizure to submission (the first submission recorded in
    the item's chain of custody).""",
    sources=("custody.EvidenceItem.submitted_at",),
    chart=Chart(
        "line", "month", ("median_days", "p90_days"), "Month of submission", "Days from seizure"
    ),
    order=80,
    links=lambda scope: links_for(
        scope, first_link("Evidence items behind this figure", ("custody:items",))
    ),
)
def seizure_to_submission(scope: Scope) -> Table:
    visible = EvidenceItem.objects.filter(scope.evidence())
    seized = (
        visible.filter(in_period(scope, "seized_at"))
        .annotate(month=TruncMonth("seized_at", tzinfo=scope.zone))
        .values("month")
        .annotate(seized=CountRows(), awaiting=CountRows(filter=Q(submitted_at__isnull=True)))
        .order_by()
    )
    duration = seconds_between("submitted_at", "seized_at")
    submitted = (
        visible.filter(in_period(scope, "submitted_at"))
        .annotate(month=TruncMonth("submitted_at", tzinfo=scope.zone))
        .values("month")
        .annotate(
            submitted=CountRows(),
            median=Percentile(duration, 0.5),
            p90=Percentile(duration, 0.9),
        )
        .order_by()
    )
    by_month: dict[date, dict] = {}
    for row in [*seized, *submitted]:
        by_month.setdefault(bucket(row.pop("month"), scope), {}).update(row)
    rows = []
    for month in month_starts(scope.first_day, scope.last_day):
        values = by_month.get(month, {})
        rows.append(
            {
                "month": month_label(month),
                "seized": values.get("seized", 0),
                "awaiting": values.get("awaiting", 0),
                "submitted": values.get("submitted", 0),
                "median_days": as_days(values.get("median")),
                "p90_days": as_days(values.get("p90")),
            }
        )
    columns = [
        Column("month", "Month", LABEL),
        Column("seized", "Items seized"),
        Column("awaiting", "Of those, not yet submitted"),
        Column("submitted", "Items submitted"),
        Column("median_days", "Median days to submission", MEASURE, base="submitted"),
        Column("p90_days", "90th percentile (days)", MEASURE, base="submitted"),
    ]
    return Table(columns, rows)

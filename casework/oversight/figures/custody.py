"""Custody figures: time from seizure to national database / ICSE submission."""

from __future__ import annotations

from casework.custody.models import EvidenceItem

from ..registry import LABEL, MEASURE, Chart, Column, Scope, Table, figure
from ..sql import measures_per_range
from .common import as_days, first_link, links_for, month_label, month_ranges


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
    # Each month a range of the time's index, which holds the other time and the case (index
    # only, need-to-know included), not a date_trunc of every item in the zone (issue 26).
    months, bounds = month_ranges(scope)
    seized = measures_per_range(
        visible,
        "seized_at",
        bounds,
        ("submitted_at",),
        {"seized": "COUNT(*)", "awaiting": "COUNT(*) FILTER (WHERE submitted_at IS NULL)"},
    )
    duration = "EXTRACT(EPOCH FROM (submitted_at - seized_at))"
    submitted = measures_per_range(
        visible.filter(submitted_at__isnull=False),
        "submitted_at",
        bounds,
        ("submitted_at", "seized_at"),
        {
            "submitted": "COUNT(*)",
            "median": f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {duration})",
            "p90": f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {duration})",
        },
    )
    rows = []
    for month, items, done in zip(months, seized, submitted, strict=True):
        rows.append(
            {
                "month": month_label(month),
                "seized": items["seized"],
                "awaiting": items["awaiting"],
                "submitted": done["submitted"],
                "median_days": as_days(done["median"]),
                "p90_days": as_days(done["p90"]),
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

"""Partner figures: open requests per agency and their response times."""

from __future__ import annotations

from django.db.models import Min, Q

from casework.partners.choices import OPEN_STATUSES
from casework.partners.models import PartnerRequest

from ..registry import LABEL, MEASURE, Chart, Column, Scope, Table, figure
from ..sql import CountRows, Percentile, seconds_between, seconds_since
from .common import ONE_DAY, PAGE_ROWS, as_days, first_link, in_period, links_for


@figure(
    key="partner_requests",
    title="Open requests by partner",
    definition="""Requests to partner agencies sent and not yet fully answered (sent, acknowledged
    or partially answered) at the time shown, per agency, by how long ago they were sent; and
    each agency's median response time: days from sending to the first answer, over requests
    first answered in the period.""",
    sources=("partners.PartnerRequest.answered_at",),
    chart=Chart(
        "bar",
        "agency",
        ("open_under_week", "open_week_month", "open_over_month"),
        "Agency",
        "Open requests",
        stacked=True,
    ),
    order=70,
    page_rows=PAGE_ROWS,
    links=lambda scope: links_for(
        scope, first_link("Requests behind this figure", ("partners:supervision",))
    ),
)
def partner_requests(scope: Scope) -> Table:
    now = scope.now
    visible = PartnerRequest.objects.filter(scope.partner_requests())
    week_ago = now - 7 * ONE_DAY
    month_ago = now - 30 * ONE_DAY
    open_rows = (
        visible.filter(status__in=sorted(OPEN_STATUSES), sent_at__isnull=False)
        .values("agency_id", "agency__name", "agency__country")
        .annotate(
            open=CountRows(),
            open_under_week=CountRows(filter=Q(sent_at__gt=week_ago)),
            open_week_month=CountRows(filter=Q(sent_at__lte=week_ago, sent_at__gt=month_ago)),
            open_over_month=CountRows(filter=Q(sent_at__lte=month_ago)),
            median_age=Percentile(seconds_since(now, "sent_at"), 0.5),
            oldest=Min("sent_at"),
        )
        .order_by()
    )
    answered_rows = (
        visible.filter(in_period(scope, "answered_at"), sent_at__isnull=False)
        .values("agency_id", "agency__name", "agency__country")
        .annotate(
            answered=CountRows(),
            median_response=Percentile(seconds_between("answered_at", "sent_at"), 0.5),
        )
        .order_by()
    )
    agencies: dict[int, dict] = {}
    blank = {
        "open": 0,
        "open_under_week": 0,
        "open_week_month": 0,
        "open_over_month": 0,
        "median_age_days": None,
        "oldest_days": None,
        "answered": 0,
        "median_response_days": None,
    }
    for row in open_rows:
        agencies[row["agency_id"]] = {
            **blank,
            "agency": f"{row['agency__name']} ({row['agency__country']})",
            **{k: row[k] for k in ("open", "open_under_week", "open_week_month")},
            "open_over_month": row["open_over_month"],
            "median_age_days": as_days(row["median_age"]),
            "oldest_days": as_days((now - row["oldest"]).total_seconds()),
        }
    for row in answered_rows:
        entry = agencies.setdefault(
            row["agency_id"],
            {**blank, "agency": f"{row['agency__name']} ({row['agency__country']})"},
        )
        entry["answered"] = row["answered"]
        entry["median_response_days"] = as_days(row["median_response"])
    rows = sorted(agencies.values(), key=lambda row: (-(row["oldest_days"] or -1), row["agency"]))
    columns = [
        Column("agency", "Agency", LABEL),
        Column("open", "Open requests"),
        Column("open_under_week", "Sent under 7 days ago"),
        Column("open_week_month", "7–30 days ago"),
        Column("open_over_month", "Over 30 days ago"),
        Column("median_age_days", "Median age (days)", MEASURE, base="open"),
        Column("oldest_days", "Oldest (days)", MEASURE, base="open"),
        Column("answered", "Answered in the period"),
        Column("median_response_days", "Median response (days)", MEASURE, base="answered"),
    ]
    return Table(columns, rows, note="" if rows else "No open or answered requests.")

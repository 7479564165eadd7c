"""Hash-set sharing figures (issue 22): their own page, beside the dashboard, not on it.

Two figures, per unit and period, built like the dashboard's (``registry.Figure`` computed over
a ``Scope``, one aggregate query each, nothing loaded row by row) but kept out of the
dashboard's registry so that its page and its benchmark do not pay for them:

- time from seizure to submission: per month of seizure, items seized, items submitted (a hash
  set of the item shared with the national database or ICSE in the register), items submitted
  within the rule (no later than the item's submission clock fell due), their share, and the
  median days from seizure to the first submission;
- sets shared per destination: sharings recorded in the period per destination, the sets they
  carried, how many were acknowledged and the median days to the acknowledgement.

The page has the dashboard's "for sharing outside the unit" switch: the same small-count
suppression (``selectors.format_cell``) as the period reports.

Over every unit (an administrator's "All units") each table has one row per unit and month (or
per unit and destination), never one aggregate: the commitment is kept, or not, by a unit, and a
national total would hide the unit that is late behind the ones that are early. Units with no
record in the period are left out (twenty units of zeros would bury the ones that matter);
each cell is suppressed on its own under the sharing switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import CharField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, TruncMonth

from casework.accounts.models import Unit
from casework.custody.models import EvidenceItem
from casework.deadlines.models import Deadline
from casework.hashsets.choices import SUBMISSION_DESTINATIONS, Destination
from casework.hashsets.models import HashSetSharing
from casework.hashsets.selectors import hash_set_visibility_q
from casework.hashsets.services import ITEM_SOURCE, SUBMISSION_KIND

from .figures.common import as_days, in_period
from .registry import LABEL, MEASURE, SHARE, Chart, Column, Figure, Scope, Table
from .selectors import FigureResult, compute_figure, scope_for
from .sql import CountRows, Percentile, month_starts, seconds_between


def _per_unit(scope: Scope) -> bool:
    return scope.every_unit


def _units(scope: Scope, found_keys) -> list[tuple[int | None, str]]:
    """The rows' units, by name: those found over every unit (one query, only when some
    were), else one unnamed group (the scope's unit or units as one)."""
    if not _per_unit(scope):
        return [(None, "")]
    ids = {unit_id for unit_id, _ in found_keys}
    if not ids:
        return []
    return list(Unit.objects.filter(pk__in=ids).order_by("name").values_list("pk", "name"))


UNIT_COLUMN = Column("unit", "Unit", LABEL)


def seizure_to_submission(scope: Scope) -> Table:
    first_submission = (
        HashSetSharing.objects.filter(
            hash_set__item=OuterRef("pk"), destination__in=list(SUBMISSION_DESTINATIONS)
        )
        .order_by("shared_at")
        .values("shared_at")[:1]
    )
    clock_due = (
        Deadline.objects.filter(
            kind=SUBMISSION_KIND,
            source_type=ITEM_SOURCE,
            source_id=Cast(OuterRef("pk"), CharField()),
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    per_unit = _per_unit(scope)
    rows_by_month = (
        EvidenceItem.objects.filter(scope.evidence(), in_period(scope, "seized_at"))
        .annotate(first_submitted=Subquery(first_submission), due=Subquery(clock_due))
        .annotate(month=TruncMonth("seized_at", tzinfo=scope.zone))
        .values("month", *(["case__unit"] if per_unit else []))
        .annotate(
            seized=CountRows(),
            submitted=CountRows(filter=Q(first_submitted__isnull=False)),
            within=CountRows(filter=Q(first_submitted__lte=F("due"))),
            median=Percentile(seconds_between("first_submitted", "seized_at"), 0.5),
        )
        .order_by()
    )
    found = {
        (row.get("case__unit"), row["month"].astimezone(scope.zone).date()): row
        for row in rows_by_month
    }
    rows = []
    units = _units(scope, found)
    for unit_id, unit_name in units:
        for month in month_starts(scope.first_day, scope.last_day):
            values = found.get((unit_id, month), {})
            seized = values.get("seized", 0)
            within = values.get("within", 0)
            rows.append(
                ({"unit": unit_name} if per_unit else {})
                | {
                    "month": f"{month:%b %Y}",
                    "seized": seized,
                    "submitted": values.get("submitted", 0),
                    "within": within,
                    "share_within": (within / seized) if seized else None,
                    "median_days": as_days(values.get("median")),
                }
            )
    columns = [
        *([UNIT_COLUMN] if per_unit else []),
        Column("month", "Month of seizure", LABEL),
        Column("seized", "Items seized"),
        Column("submitted", "Of those, submitted"),
        Column("within", "Submitted within the rule"),
        Column("share_within", "Share within the rule", SHARE, base="seized"),
        Column("median_days", "Median days to submission", MEASURE, base="submitted"),
    ]
    return Table(columns, rows)


def shared_per_destination(scope: Scope) -> Table:
    visible = scope.restrict(
        hash_set_visibility_q(scope.user, prefix="hash_set__"), unit_path="hash_set__case__unit"
    )
    per_unit = _per_unit(scope)
    found = {
        (row.get("hash_set__case__unit"), row["destination"]): row
        for row in HashSetSharing.objects.filter(visible, in_period(scope, "shared_at"))
        .values("destination", *(["hash_set__case__unit"] if per_unit else []))
        .annotate(
            sharings=CountRows(),
            sets=Count("hash_set", distinct=True),
            acknowledged=CountRows(filter=Q(acknowledged_at__isnull=False)),
            median=Percentile(seconds_between("acknowledged_at", "shared_at"), 0.5),
        )
        .order_by()
    }
    rows = []
    units = _units(scope, found)
    for unit_id, unit_name in units:
        for destination in Destination:
            values = found.get((unit_id, destination.value), {})
            rows.append(
                ({"unit": unit_name} if per_unit else {})
                | {
                    "destination": destination.label,
                    "sharings": values.get("sharings", 0),
                    "sets": values.get("sets", 0),
                    "acknowledged": values.get("acknowledged", 0),
                    "median_ack_days": as_days(values.get("median")),
                }
            )
    columns = [
        *([UNIT_COLUMN] if per_unit else []),
        Column("destination", "Shared with", LABEL),
        Column("sharings", "Sharings"),
        Column("sets", "Sets"),
        Column("acknowledged", "Acknowledged"),
        Column("median_ack_days", "Median days to acknowledgement", MEASURE, base="acknowledged"),
    ]
    return Table(columns, rows)


FIGURES = (
    Figure(
        key="hash_set_submission",
        title="Time from seizure to submission of hash sets",
        definition=(
            "Evidence items by month of seizure: items seized in the month; of those, items a "
            "hash set of which was shared with the national database or ICSE (recorded in the "
            "hash-set register); those shared no later than the item's submission clock fell "
            "due (the rule in force at seizure), and their share of the items seized; and the "
            "median days from seizure to the first such sharing."
        ),
        sources=("hashsets.HashSetSharing", "custody.EvidenceItem"),
        compute=seizure_to_submission,
        chart=Chart(
            "bar", "month", ("seized", "within"), "Month of seizure", "Items", stacked=False
        ),
        order=1,
    ),
    Figure(
        key="hash_sets_shared",
        title="Hash sets shared per destination",
        definition=(
            "Sharings recorded in the hash-set register with a date in the period, per "
            "destination: how many, how many distinct sets they carried, how many of those "
            "sharings were acknowledged by the receiver (by now), and the median days from "
            "sending to acknowledgement."
        ),
        sources=("hashsets.HashSetSharing",),
        compute=shared_per_destination,
        chart=Chart("bar", "destination", ("sharings", "acknowledged"), "Destination", "Sharings"),
        order=2,
    ),
)


@dataclass
class HashSetFigures:
    scope: Scope
    figures: list[FigureResult]
    shared: bool

    @property
    def per_unit(self) -> bool:
        """One row per unit: the tables carry a unit column, and no chart is drawn (a bar per
        unit and month is no chart; the table gives every value)."""
        return _per_unit(self.scope)


def hash_set_figures(
    *, user, unit, period_start: date, period_end: date, shared: bool = False
) -> HashSetFigures:
    """The register's figures for ``user`` (NotFound for those without oversight)."""
    scope = scope_for(user=user, unit=unit, period_start=period_start, period_end=period_end)
    return HashSetFigures(
        scope=scope, figures=[compute_figure(one, scope) for one in FIGURES], shared=shared
    )

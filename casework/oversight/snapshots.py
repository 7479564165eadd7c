"""The administrators' all-units figures, computed ahead of the request (issue 26).

Over every unit, a year's figures read about a million referrals, clocks and assignments: at
national scale about a second of PostgreSQL's CPU per view, spread over two connections, which
is more than the page may take. Those figures are the same for every administrator (the
aggregate view has no need-to-know filter and no record links), so the scheduler computes the
period presets every ``CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS`` and the page shows the stored
tables, saying when they were computed. "Recompute now" computes them at the request, as does
any period without a snapshot young enough; either stores what it computed.

Exactness: a snapshot is the very tables ``figures_for`` returned at ``computed_at``, columns
and row values with their types (``encode``/``decode``; the tests compare them with a live
computation on the same data); its scope's ``now`` is ``computed_at``, so backlogs and overdue
work are measured at that moment and the page says so.

What is never stored: a supervisor's figures, or an administrator's view of one unit. Those
pass through need-to-know or are cheap, and a grant revoked a minute ago must not be counted
from a snapshot.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from . import selectors
from .models import FigureSnapshot
from .registry import FIGURES, Column, Scope, Table

# The period menu's presets (``forms.PRESET_WEEKS``, checked equal by the tests): the periods
# the scheduler keeps ready. Other periods are stored when someone asks for them.
PRESET_WEEKS = (4, 13, 52)
# Snapshots of periods nobody asked for again (yesterday's presets, custom ranges) are deleted.
KEEP_FOR = timedelta(days=1)

# JSON keeps str, int, finite float, bool and None as they are; these types are tagged.
# A float of 1e16 or more is tagged too: jsonb prints it without an exponent, and it would
# come back as an int.
_TAGS = {"decimal": Decimal, "date": date.fromisoformat, "datetime": datetime.fromisoformat}


def snapshot_seconds() -> int:
    return settings.CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS


def snapshot_key(scope: Scope) -> str:
    if not scope.every_unit:
        raise ValueError("Only the administrators' all-units view is stored.")
    return f"every-unit {scope.first_day.isoformat()} {scope.last_day.isoformat()} {scope.zone.key}"


def _encode_value(value):
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) and abs(value) < 1e16 else {"float": repr(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, timedelta):
        return {"timedelta": [value.days, value.seconds, value.microseconds]}
    # A figure that returns something else must say how to store it, not lose it quietly.
    raise TypeError(f"A figure value of type {type(value).__name__} cannot be stored.")


def _decode_value(value):
    if not isinstance(value, dict):
        return value
    ((tag, raw),) = value.items()
    if tag == "float":
        return float(raw)
    if tag == "timedelta":
        return timedelta(days=raw[0], seconds=raw[1], microseconds=raw[2])
    return _TAGS[tag](raw)


def encode(results: list[selectors.FigureResult]) -> dict:
    """Each figure's table (or why it is missing) as JSON, in the dashboard's order."""
    return {
        "figures": [
            {
                "key": result.key,
                "missing": result.missing,
                "table": None
                if result.table is None
                else {
                    "columns": [
                        [column.key, column.label, column.kind, column.base]
                        for column in result.table.columns
                    ],
                    "rows": [
                        {name: _encode_value(value) for name, value in row.items()}
                        for row in result.table.rows
                    ],
                    "note": result.table.note,
                },
            }
            for result in results
        ]
    }


def decode(tables: dict, scope: Scope) -> list[selectors.FigureResult] | None:
    """The stored figures, or None when they are not today's set (a release added, removed or
    reordered figures since they were computed)."""
    stored = tables["figures"]
    current = selectors.all_figures()
    if [one["key"] for one in stored] != [figure.key for figure in current]:
        return None
    results = []
    for one in stored:
        figure = FIGURES[one["key"]]
        table = one["table"]
        results.append(
            selectors.FigureResult(
                figure=figure,
                table=None
                if table is None
                else Table(
                    columns=[Column(*column) for column in table["columns"]],
                    rows=[
                        {name: _decode_value(value) for name, value in row.items()}
                        for row in table["rows"]
                    ],
                    note=table["note"],
                ),
                missing=one["missing"],
                links=figure.links(scope) if table is not None else [],
            )
        )
    return results


def compute_and_store(scope: Scope) -> tuple[selectors.Dashboard, int]:
    """Compute the all-units figures of ``scope`` now and keep them as its snapshot; the
    dashboard, and how long the figures took in ms."""
    started = time.perf_counter()
    results = selectors.figures_for(scope, workers=settings.CASEWORK_OVERSIGHT_WORKERS)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    # One statement: two refreshes of the same period at once leave the later one's tables.
    FigureSnapshot.objects.bulk_create(
        [
            FigureSnapshot(
                key=snapshot_key(scope),
                computed_at=scope.now,
                compute_ms=elapsed_ms,
                tables=encode(results),
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["computed_at", "compute_ms", "tables"],
    )
    return selectors.Dashboard(scope=scope, figures=results, computed_at=scope.now), elapsed_ms


def stored_dashboard(scope: Scope) -> selectors.Dashboard | None:
    """The snapshot of ``scope``'s period if it is young enough to show, else None.

    Young enough: computed less than twice the refresh interval ago, so one late or lost
    refresh still shows figures, and a stopped scheduler does not leave old ones on the page.
    """
    seconds = snapshot_seconds()
    if not seconds:
        return None
    snapshot = (
        FigureSnapshot.objects.filter(
            key=snapshot_key(scope), computed_at__gte=scope.now - timedelta(seconds=2 * seconds)
        )
        .only("computed_at", "tables")
        .first()
    )
    if snapshot is None:
        return None
    at = replace(scope, now=snapshot.computed_at)
    results = decode(snapshot.tables, at)
    if results is None:
        return None
    return selectors.Dashboard(scope=at, figures=results, computed_at=snapshot.computed_at)


def dashboard(
    *, user, unit, period_start: date, period_end: date, fresh: bool = False
) -> selectors.Dashboard:
    """What the dashboard page shows: the all-units figures from their snapshot when one is
    young enough (``fresh`` asks for this minute's), anything else computed at the request."""
    scope = selectors.scope_for(
        user=user, unit=unit, period_start=period_start, period_end=period_end
    )
    if not scope.every_unit or not snapshot_seconds():
        return selectors.dashboard_for(scope)
    if not fresh:
        stored = stored_dashboard(scope)
        if stored is not None:
            return stored
    return compute_and_store(scope)[0]


def refresh_every_unit(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute the presets' all-units figures; drop snapshots nobody has asked for in a day.

    What the scheduler runs every ``CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS``. Returns each
    snapshot's key and how long it took, in ms."""
    now = now or timezone.now()
    took = {}
    for weeks in PRESET_WEEKS:
        first, last = selectors.default_period(today=timezone.localdate(now), weeks=weeks)
        scope = selectors.every_unit_scope(period_start=first, period_end=last, now=now)
        took[snapshot_key(scope)] = compute_and_store(scope)[1]
    FigureSnapshot.objects.filter(computed_at__lt=now - KEEP_FOR).delete()
    return took

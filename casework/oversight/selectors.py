"""Who may see the oversight figures, over which unit and period; the dashboard itself.

Threat: figures are built from case, referral and victim records; a dashboard of another unit,
or one an investigator could open, would tell people about work they have no part in. A
supervisor sees their own unit only (through the other apps' need-to-know filters); an
administrator sees the read-only aggregate view across units; everyone else gets 404.
"""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections
from django.db.models import F, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from casework.accounts.choices import Role
from casework.accounts.models import Unit
from casework.cases.choices import CaseStatus
from casework.cases.selectors import cases_visible_to, closure_queue_for
from casework.core.errors import DomainError, NotFound
from casework.deadlines.choices import ACTIVE_STATES
from casework.deadlines.selectors import deadlines_visible_to

from . import charts
from .figures import all_figures
from .models import CaseReview
from .registry import (
    COUNT,
    LABEL,
    MEASURE,
    SHARE,
    Column,
    Figure,
    Link,
    Scope,
    Table,
    missing_source,
)
from .sql import figure_memory

# A year and a bit: the dashboard's weekly rows stay bounded (and the benchmark's "a year").
MAX_PERIOD_DAYS = 400
SUPPRESS_BELOW = 5
SUPPRESSED = "<5"
SUPPRESSED_MEASURE = "n<5"


# --- access ------------------------------------------------------------------------------------


def is_unit_supervisor(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.unit_id is not None
        and user.has_role(Role.SUPERVISOR)
    )


def is_administrator(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_role(Role.ADMINISTRATOR)
    )


def can_see_oversight(user) -> bool:
    return is_unit_supervisor(user) or is_administrator(user)


def units_for(user) -> QuerySet[Unit]:
    """The units whose figures ``user`` may see: their own as supervisor; all as administrator."""
    if is_administrator(user):
        return Unit.objects.order_by("name")
    if is_unit_supervisor(user):
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def scope_for(
    *,
    user,
    unit: Unit | int | str | None,
    period_start: date,
    period_end: date,
    now: datetime | None = None,
) -> Scope:
    """The scope of figures ``user`` asked for, or NotFound when they may not have it.

    ``unit`` is a Unit, its id or code, or None: a supervisor's own unit (None means theirs);
    for an administrator None means every unit. Days are whole days in the unit's time zone.
    """
    if not can_see_oversight(user):
        raise NotFound("No such page.")
    if period_end < period_start:
        raise DomainError("The period ends before it starts.", field="end")
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise DomainError(f"Choose a period of at most {MAX_PERIOD_DAYS} days.", field="start")
    chosen: Unit | None = None
    if isinstance(unit, Unit):
        chosen = unit
    elif unit not in (None, ""):
        lookup = {"pk": int(unit)} if str(unit).isdigit() else {"code": str(unit)}
        chosen = Unit.objects.filter(**lookup).first()
        if chosen is None:
            raise NotFound("No such unit.")
    if is_unit_supervisor(user) and (chosen is None or chosen.pk == user.unit_id):
        # Their own unit, through their own need-to-know.
        own = chosen or user.unit
        unit_ids, aggregate_only = (own.pk,), False
    elif is_administrator(user) and chosen is None:
        return every_unit_scope(
            period_start=period_start, period_end=period_end, now=now, user=user
        )
    elif is_administrator(user):
        own, unit_ids, aggregate_only = chosen, (chosen.pk,), True
    else:
        raise NotFound("No such unit.")
    return _scope(
        user=user,
        unit_ids=unit_ids,
        period=(period_start, period_end),
        now=now,
        zone=_zone(own.time_zone),
        aggregate_only=aggregate_only,
        unit_label=own.name,
    )


def every_unit_scope(
    *, period_start: date, period_end: date, now: datetime | None = None, user=None
) -> Scope:
    """The administrators' aggregate view over every unit, in the server's time zone.

    The same for every administrator (no need-to-know filter, no record links), so the
    scheduler computes it without a viewer (``snapshots``); callers check who may see it."""
    return _scope(
        user=user,
        unit_ids=tuple(Unit.objects.values_list("pk", flat=True)),
        period=(period_start, period_end),
        now=now,
        zone=_zone(None),
        aggregate_only=True,
        unit_label="All units",
        every_unit=True,
    )


def _scope(*, period: tuple[date, date], now: datetime | None, zone: ZoneInfo, **rest) -> Scope:
    first, last = period
    return Scope(
        start=datetime.combine(first, time.min, tzinfo=zone),
        end=datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
        now=now or timezone.now(),
        zone=zone,
        **rest,
    )


def default_period(*, today: date | None = None, weeks: int = 13) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(weeks=weeks) + timedelta(days=1), today


# --- formatting and suppression ---------------------------------------------------------------


def format_cell(column: Column, row: dict, *, shared: bool = False) -> str:
    """A cell as people read it. ``shared``: counts of 1 to 4, and measures over fewer than five
    records, are replaced so that a small number cannot point at a person (the statistical
    disclosure rule for anything leaving the unit). Zero stays zero: it points at nobody."""
    value = row.get(column.key)
    if column.kind == LABEL:
        return str(value if value is not None else "")
    if column.kind == COUNT:
        count = int(value or 0)
        if shared and 0 < count < SUPPRESS_BELOW:
            return SUPPRESSED
        return f"{count}"
    if shared and column.base is not None:
        base = int(row.get(column.base) or 0)
        if 0 < base < SUPPRESS_BELOW:
            return SUPPRESSED_MEASURE
        # A share gives its numerator away (80% of 5 is 4): hide it when that is a small count.
        if column.kind == SHARE and value is not None:
            part = round(float(value) * base)
            if 0 < part < SUPPRESS_BELOW:
                return SUPPRESSED_MEASURE
    if value is None:
        return "—"
    if column.kind == SHARE:
        return f"{100 * float(value):.1f}%"
    if column.kind == MEASURE:
        return f"{float(value):.1f}"
    return str(value)


def chart_value(column: Column, row: dict) -> float | None:
    value = row.get(column.key)
    if value is None:
        return None
    if column.kind == SHARE:
        return 100 * float(value)
    return float(value)


# --- the dashboard ------------------------------------------------------------------------------


@dataclass
class FigureResult:
    figure: Figure
    table: Table | None
    missing: str | None = None
    links: list[Link] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.table is not None

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def page_rows(self) -> list[dict]:
        """The rows the dashboard shows: all of them, or the first ``figure.page_rows`` of a
        ranked table. A unit's team fits; the administrators' view over every unit would
        otherwise print a thousand investigators and draw a thousand bars."""
        if self.table is None:
            return []
        limit = self.figure.page_rows
        return self.table.rows if limit is None else self.table.rows[:limit]

    @property
    def rows_left_out(self) -> int:
        return len(self.table.rows) - len(self.page_rows) if self.table is not None else 0

    def chart_svg(self):
        if self.table is None or not self.table.rows:
            return ""
        spec = self.figure.chart
        columns = {column.key: column for column in self.table.columns}
        rows = self.page_rows
        categories = [str(row[spec.category]) for row in rows]
        if (
            spec.category in ("priority", "kind")
            and rows
            and rows[-1][spec.category]
            in (
                "All priorities",
                "All kinds",
            )
        ):
            rows = rows[:-1]
            categories = categories[:-1]
        series = [
            charts.Series(columns[key].label, [chart_value(columns[key], row) for row in rows])
            for key in spec.series
        ]
        draw = charts.line_chart if spec.kind == "line" else charts.bar_chart
        extra = {"stacked": spec.stacked} if spec.kind == "bar" else {}
        return draw(
            chart_id=f"chart-{self.figure.key}",
            title=self.figure.title,
            description=(
                f"{'Line' if spec.kind == 'line' else 'Bar'} chart of "
                f"{', '.join(s.label.lower() for s in series)} by {spec.x_label.lower()}. "
                "The table below the chart gives every value."
            ),
            categories=categories,
            series=series,
            x_label=spec.x_label,
            y_label=spec.y_label,
            **extra,
        )

    def formatted_rows(self, *, shared: bool = False) -> list[list[str]]:
        """Every row, formatted: what the CSV and the reports print."""
        return self._formatted(self.table.rows if self.table is not None else [], shared)

    def page_cells(self) -> list[list[str]]:
        """The rows the dashboard shows, formatted."""
        return self._formatted(self.page_rows, False)

    def page_rows_html(self) -> SafeString:
        """The table body the dashboard shows (``<tr>`` rows, the first cell a row header),
        each cell escaped: the markup two nested template loops wrote, byte for byte.

        Built here because those loops cost the page more than any figure's Python: a year's
        dashboard prints about 1,700 cells, and the template engine resolved each through a
        dozen nodes (issue 26: about a third of the page's Python at medium scale, the same at
        national, on the request's critical path after the figures).
        """
        rows = []
        for cells in self.page_cells():
            header, *values = (conditional_escape(cell) for cell in cells)
            numbers = "".join(f'<td class="num">{value}</td>' for value in values)
            rows.append(f'\n          <tr><th scope="row">{header}</th>{numbers}</tr>\n        ')
        return mark_safe("".join(rows))  # every cell escaped above

    def _formatted(self, rows: list[dict], shared: bool) -> list[list[str]]:
        return [
            [format_cell(column, row, shared=shared) for column in self.table.columns]
            for row in rows
        ]


@dataclass
class Dashboard:
    scope: Scope
    figures: list[FigureResult]
    # Set for the administrators' all-units view (``snapshots``): the moment its figures were
    # computed, which the page states. None: computed for this request alone.
    computed_at: datetime | None = None

    def figure(self, key: str) -> FigureResult:
        for result in self.figures:
            if result.key == key:
                return result
        raise NotFound("No such figure.")


def compute_figure(figure: Figure, scope: Scope) -> FigureResult:
    missing = missing_source(figure)
    if missing is not None:
        return FigureResult(figure=figure, table=None, missing=missing)
    return FigureResult(figure=figure, table=figure.compute(scope), links=figure.links(scope))


def figures_for(
    scope: Scope, keys: list[str] | None = None, *, workers: int = 1
) -> list[FigureResult]:
    """The figures, in their order. With ``workers`` above one they are computed by that many
    threads at once, each on its own database connection, closed when it is done.

    Worth it for the dashboard over many units: each figure is one or two aggregate queries
    that keep one core busy for a tenth of a second or more, so the page waits for the sum
    of them unless several run at once. Inside an open transaction (tests, or a caller's
    atomic block) the figures are computed on the caller's connection, one after the other:
    another connection could not see what that transaction wrote.

    Every connection computes with ``FIGURE_MEMORY`` of ``work_mem`` (``figure_memory``), so
    that need-to-know's sets are hashed however long the unit's history.
    """
    chosen = [f for f in all_figures() if keys is None or f.key in keys]
    workers = min(workers, len(chosen))
    if workers < 2 or connection.in_atomic_block:
        with figure_memory():
            return [compute_figure(one, scope) for one in chosen]
    pending: queue.SimpleQueue[tuple[int, Figure]] = queue.SimpleQueue()
    for position, one in enumerate(chosen):
        pending.put((position, one))
    results: list[FigureResult | None] = [None] * len(chosen)

    def work(close_connection: bool) -> None:
        try:
            with figure_memory():
                while True:
                    try:
                        position, one = pending.get_nowait()
                    except queue.Empty:
                        return
                    results[position] = compute_figure(one, scope)
        finally:
            if close_connection:
                connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="oversight") as pool:
        helpers = [pool.submit(work, True) for _ in range(workers - 1)]
        work(False)
        for helper in helpers:
            helper.result()  # re-raises a figure's error here
    return results


def dashboard(
    *,
    user,
    unit: Unit | int | str | None,
    period_start: date,
    period_end: date,
    now: datetime | None = None,
    keys: list[str] | None = None,
) -> Dashboard:
    """Every figure for ``user`` over ``unit`` and the period: what the dashboard page shows.

    The benchmark times this function. It runs a bounded number of aggregate queries (one or
    two per figure) whatever the amount of data, on ``CASEWORK_OVERSIGHT_WORKERS`` connections
    at once, and raises NotFound for a viewer who may not see the unit.
    """
    scope = scope_for(
        user=user, unit=unit, period_start=period_start, period_end=period_end, now=now
    )
    return dashboard_for(scope, keys)


def dashboard_for(scope: Scope, keys: list[str] | None = None) -> Dashboard:
    workers = settings.CASEWORK_OVERSIGHT_WORKERS
    return Dashboard(scope=scope, figures=figures_for(scope, keys, workers=workers))


# --- case reviews and the closure queue ---------------------------------------------------------


def review_cases(*, user) -> QuerySet:
    """Open cases of the supervisor's unit with their last review and next review due."""
    if not is_unit_supervisor(user):
        raise NotFound("No such page.")
    # The next review is the running review clock in the deadlines app (rescheduled by each
    # review, see ``review_clock``).
    next_due = (
        deadlines_visible_to(user)
        .filter(case=OuterRef("pk"), kind="case_review", state__in=list(ACTIVE_STATES))
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        cases_visible_to(user)
        .filter(unit_id=user.unit_id)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("lead")
        .annotate(
            last_reviewed_at=Max("oversight_reviews__reviewed_at"),
            next_review_at=Subquery(next_due),
        )
        .order_by(F("next_review_at").asc(nulls_last=True), "opened_at", "id")
    )


def reviews_of(*, user, case) -> QuerySet:
    if not is_unit_supervisor(user) or case.unit_id != user.unit_id:
        raise NotFound("No such case that you can see.")
    return CaseReview.objects.filter(case=case).select_related("reviewed_by")


def pending_closures(*, user) -> QuerySet:
    """The cases app's closure queue for this supervisor (read from its selector; closures are
    approved or rejected on the cases app's pages)."""
    if not is_unit_supervisor(user):
        raise NotFound("No such page.")
    return closure_queue_for(user)

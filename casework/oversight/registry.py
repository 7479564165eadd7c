"""The figure registry: what a figure is, whom it is computed for, and over which records.

A figure is a function from a ``Scope`` to a ``Table`` of aggregate rows, computed in PostgreSQL
(``annotate``/``aggregate``, ``Count(filter=...)``, ``percentile_cont``, ``date_trunc``); no
figure loads the records it counts. Each carries its definition in words (printed on the
dashboard and in every report), the apps it reads, the chart drawn from its table, and links to
the list pages behind it.

Access (threat: a figure that counts records the viewer may not see tells them those records
exist). A supervisor's scope is their own unit *and* their need-to-know filters: the cases,
referrals, deadlines, partner requests and evidence items the other apps' selectors let them
see. An administrator gets the read-only view across units the issue asks for: aggregate
counts only, with no record links and no record content; that one deliberate exception to
need-to-know lives in ``Scope.restrict`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from casework.cases.models import Case
from casework.cases.selectors import case_visibility_q, victim_visibility_q
from casework.custody.selectors import evidence_visibility_q
from casework.deadlines.selectors import deadline_visibility_q
from casework.partners.selectors import under_record_visibility_q
from casework.referrals.models import Referral
from casework.referrals.selectors import referral_visibility_q

# --- the scope --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whom the figures are for, over which unit(s) and which period.

    ``start`` is inclusive and ``end`` exclusive (midnight in ``zone`` after the last day).
    ``unit_ids`` is the units covered; ``aggregate_only`` marks the administrators' view, and
    ``every_unit`` that view over all units. Then a unit reached through a join (the case of a
    victim record or an evidence item, the case or referral of a partner request) is not
    filtered on: every such record belongs to a unit (non-null foreign keys, and a check
    constraint that a partner request hangs off a case or a referral), so the filter could
    exclude nothing, and over twenty units it made PostgreSQL join every referral to find the
    units of a few thousand partner requests. A table's own unit column stays in the filter:
    the indexes lead with it, and without it PostgreSQL reads the table instead.
    """

    user: object
    unit_ids: tuple[int, ...]
    start: datetime
    end: datetime
    now: datetime
    zone: ZoneInfo
    aggregate_only: bool = False
    unit_label: str = ""
    every_unit: bool = False

    def __post_init__(self) -> None:
        if self.every_unit and not self.aggregate_only:
            raise ValueError("Only the administrators' aggregate view covers every unit.")

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(self.zone) - timedelta(seconds=1)).date()

    @property
    def as_of(self) -> datetime:
        """The moment backlogs and overdue work are measured at: now, or the period's end."""
        return min(self.now, self.end)

    def restrict(self, visibility: Q, *, unit_path: str) -> Q:
        """The unit filter, plus the viewer's need-to-know unless this is the aggregate view.

        Over every unit, a unit reached through a join (``case__unit``) is not filtered on; a
        table's own (``unit``) is (see the class docstring)."""
        if self.every_unit and "__" in unit_path:
            return Q()
        in_units = Q(**{f"{unit_path}__in": self.unit_ids})
        if self.aggregate_only:
            return in_units
        return in_units & visibility

    # One method per source, each built from that app's own visibility filter. ``semi_join``
    # asks each for its aggregate form: a row's case is tested against the ids of the cases
    # the viewer may see (hashed once) instead of joined row by row. Same rows; over a year of
    # a national unit the join made PostgreSQL hash every case of every unit (issue 26).

    def cases(self, prefix: str = "") -> Q:
        return self.restrict(
            case_visibility_q(self.user, prefix=prefix, semi_join=True),
            unit_path=f"{prefix}unit",
        )

    def victims(self) -> Q:
        return self.restrict(
            victim_visibility_q(self.user, prefix="case__"), unit_path="case__unit"
        )

    def referrals(self) -> Q:
        return self.restrict(referral_visibility_q(self.user, semi_join=True), unit_path="unit")

    def deadlines(self) -> Q:
        return self.restrict(deadline_visibility_q(self.user, semi_join=True), unit_path="unit")

    def partner_requests(self) -> Q:
        if self.every_unit:
            return Q()
        # The case's unit as a set of the unit's case ids, the referral's by its key: joined
        # (``case__unit``, ``referral__unit``) inside the OR, PostgreSQL hashed every case and
        # every referral of every unit to place a few thousand requests (issue 26).
        on_unit = Q(case__in=Case.objects.filter(unit__in=self.unit_ids).values("pk")) | Q(
            Q(case__isnull=True)
            & Q(Exists(Referral.objects.filter(pk=OuterRef("referral"), unit__in=self.unit_ids)))
        )
        if self.aggregate_only:
            return on_unit
        return on_unit & under_record_visibility_q(self.user, semi_join=True)

    def evidence(self) -> Q:
        return self.restrict(evidence_visibility_q(self.user), unit_path="case__unit")


# --- tables -----------------------------------------------------------------------------------

LABEL = "label"
COUNT = "count"
MEASURE = "measure"  # a number derived from several records (median, hours)
SHARE = "share"  # a fraction 0..1, shown as a percentage


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = COUNT
    # For a measure or share: the count column it was computed over. Sharing rules hide a
    # median of three records as they hide the count three.
    base: str | None = None


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar" or "line"
    category: str
    series: tuple[str, ...]
    x_label: str
    y_label: str
    stacked: bool = False


@dataclass
class Table:
    columns: list[Column]
    rows: list[dict]
    note: str = ""

    def total(self, key: str) -> int:
        return sum(int(row.get(key) or 0) for row in self.rows)


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    definition: str
    sources: tuple[str, ...]  # "app_label.Model" or "app_label.Model.field"
    compute: Callable[[Scope], Table]
    chart: Chart
    links: Callable[[Scope], list[Link]] = field(default=lambda scope: [])
    order: int = 100
    # For a ranked table (one row per person or agency, most first): how many rows the
    # dashboard shows. The CSV, the API and the period reports keep every row.
    page_rows: int | None = None


# Filled when ``casework.oversight.figures`` is imported (each of its modules registers its
# figures here); ``figures.all_figures`` lists them in the dashboard's order.
FIGURES: dict[str, Figure] = {}


def figure(
    *,
    key: str,
    title: str,
    definition: str,
    sources: tuple[str, ...],
    chart: Chart,
    order: int,
    links: Callable[[Scope], list[Link]] | None = None,
    page_rows: int | None = None,
) -> Callable[[Callable[[Scope], Table]], Callable[[Scope], Table]]:
    """Register a figure function under ``key``."""

    def register(compute: Callable[[Scope], Table]) -> Callable[[Scope], Table]:
        FIGURES[key] = Figure(
            key=key,
            title=title,
            definition=" ".join(definition.split()),
            sources=sources,
            compute=compute,
            chart=chart,
            links=links or (lambda scope: []),
            order=order,
            page_rows=page_rows,
        )
        return compute

    return register


def missing_source(figure: Figure) -> str | None:
    """The first source app whose model (or field) is not there yet, else None.

    Oversight reads apps that are built alongside it; a figure whose source has not landed says
    "not available yet" instead of failing the whole dashboard.
    """
    for source in figure.sources:
        app_label, model_name, *field_names = source.split(".")
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            return app_label
        for name in field_names:
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                return app_label
    return None


def list_link(label: str, url_name: str, **query) -> Link | None:
    """A link to another app's list page, or None while that page does not exist."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return Link(label, f"{url}?{urlencode(query, doseq=True)}" if query else url)

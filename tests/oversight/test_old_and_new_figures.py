"""Every dashboard figure, computed the way it was before issue 26's margins and the way it is
now, on the same data: the same rows, for every viewer, unit and period.

The figures rewritten for speed keep their old form here, verbatim (``OLD``). Each test
computes every figure of the dashboard twice, once with today's functions and once with the
old ones in place of those rewritten, and compares the tables. The data is the dashboard's
history with records moved between units and states (``test_same_figures.moved``), both units
in zones with summer time (North in Paris, South in New York; the administrators' view of all
units buckets in the server's zone, UTC), and referrals received and triaged on either side
of each Monday midnight of the month in both zones, including the Mondays after the clocks
changed (8 March in New York, 29 March in Paris). The periods start and end mid-week, on
Mondays and Sundays, over one day, and over a quarter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models.functions import TruncWeek

from casework.accounts.models import Unit
from casework.oversight import selectors
from casework.oversight.figures import all_figures
from casework.oversight.figures.common import as_hours, bucket, in_period, week_label
from casework.oversight.registry import Scope, Table
from casework.oversight.sql import CountRows, week_starts
from casework.referrals.models import Referral
from tests.oversight.conftest import at
from tests.oversight.test_same_figures import moved  # noqa: F401 (a fixture)
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

ONE_MICROSECOND = timedelta(microseconds=1)


# --- the figures as they were --------------------------------------------------------------


def old_referrals_weekly(scope: Scope) -> Table:
    """``referrals_weekly`` before issue 26's margins: every row's week by ``date_trunc``."""
    figure = next(one for one in all_figures() if one.key == "referrals_weekly")
    visible = Referral.objects.filter(scope.referrals())
    received = (
        visible.filter(in_period(scope, "received_at"))
        .annotate(week=TruncWeek("received_at", tzinfo=scope.zone))
        .values("week", "source_kind", "priority")
        .annotate(count=CountRows())
        .order_by()
    )
    triaged = (
        visible.filter(in_period(scope, "triaged_at"))
        .annotate(week=TruncWeek("triaged_at", tzinfo=scope.zone))
        .values("week")
        .annotate(triaged=CountRows())
        .order_by()
    )
    by_week: dict[date, dict] = {}
    for row in received:
        week = by_week.setdefault(bucket(row["week"], scope), {})
        for key in ("received", f"source_{row['source_kind']}", f"priority_{row['priority']}"):
            week[key] = week.get(key, 0) + row["count"]
    for row in triaged:
        by_week.setdefault(bucket(row.pop("week"), scope), {}).update(row)
    columns = figure.compute(scope).columns
    rows = []
    for week in week_starts(scope.first_day, scope.last_day):
        values = by_week.get(week, {})
        rows.append(
            {"week": week_label(week)}
            | {column.key: values.get(column.key, 0) for column in columns[1:]}
        )
    return Table(columns, rows)


def old_triage_time(scope: Scope) -> Table:
    """``triage_time`` before the ninth session: one ``GROUP BY ROLLUP (priority)`` over the
    period, each duration computed from the arrival in numeric arithmetic (the old
    ``with_total``, verbatim, with its sort memory)."""
    from django.db import connection, transaction

    from casework.cases.choices import Priority

    figure = next(one for one in all_figures() if one.key == "triage_time")
    triaged = Referral.objects.filter(
        scope.referrals(), in_period(scope, "triaged_at"), triaged_at__isnull=False
    )
    duration = "EXTRACT(EPOCH FROM (triaged_at - received_at))"
    measures = {
        "triaged": "COUNT(*)",
        "median": f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {duration})",
        "p90": f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {duration})",
        "within": "COUNT(*) FILTER (WHERE triaged_at <= triage_due_at)",
    }
    inner, params = (
        triaged.values("priority", "received_at", "triaged_at", "triage_due_at")
        .order_by()
        .query.sql_with_params()
    )
    selected = ", ".join(f"{sql} AS {name}" for name, sql in measures.items())
    statement = (
        f"SELECT priority, GROUPING(priority) AS is_total, {selected} "
        f"FROM ({inner}) AS selected GROUP BY ROLLUP (priority)"
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [column.name for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    overall = next((row for row in found if row["is_total"]), {})
    grouped = {row["priority"]: row for row in found if not row["is_total"]}
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
    return Table(figure.compute(scope).columns, rows)


def old_seizure_to_submission(scope: Scope) -> Table:
    """``seizure_to_submission`` before the ninth session: each item's month by ``date_trunc``
    in the zone, read from the table."""
    from django.db.models import Q
    from django.db.models.functions import TruncMonth

    from casework.custody.models import EvidenceItem
    from casework.oversight.figures.common import as_days, month_label
    from casework.oversight.sql import Percentile, month_starts, seconds_between

    figure = next(one for one in all_figures() if one.key == "seizure_to_submission")
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
    return Table(figure.compute(scope).columns, rows)


OLD = {
    "referrals_weekly": old_referrals_weekly,
    "triage_time": old_triage_time,
    "seizure_to_submission": old_seizure_to_submission,
}


# --- the data ------------------------------------------------------------------------------

ZONES = {"north": "Europe/Paris", "south": "America/New_York"}


def _mondays(zone: str) -> list[datetime]:
    """Each Monday midnight of March 2026 and of the Monday after, in ``zone``, as UTC."""
    local = ZoneInfo(zone)
    first = date(2026, 3, 2)
    return [
        datetime.combine(first + timedelta(weeks=n), datetime.min.time(), tzinfo=local).astimezone(
            UTC
        )
        for n in range(5)
    ]


@pytest.fixture
def edges(moved, investigator, outsider, administrator):  # noqa: F811 (the fixture imported above)
    """Both units in zones with summer time; referrals received either side of each Monday
    midnight of March (North: its own and UTC's; South: its own), each triaged either side of
    the next Monday midnight (North: its own; South: UTC's, the all-units view's)."""
    from casework.referrals import services as referrals

    for code, zone in ZONES.items():
        Unit.objects.filter(code=code).update(time_zone=zone)
    investigator.unit.refresh_from_db()
    outsider.unit.refresh_from_db()
    plan = [
        (investigator, ZONES["north"], ZONES["north"]),
        (investigator, "UTC", ZONES["north"]),
        (outsider, ZONES["south"], "UTC"),
    ]
    for person, received_zone, triaged_zone in plan:
        received_mondays, triaged_mondays = _mondays(received_zone), _mondays(triaged_zone)
        for week, monday in enumerate(received_mondays[:-1]):
            for side in (-ONE_MICROSECOND, 0 * ONE_MICROSECOND):
                with time_machine.travel(monday + side, tick=False):
                    referral = make_referral(actor=person, received_at=monday + side, priority="P3")
                triaged = triaged_mondays[week + 1] + side
                with time_machine.travel(triaged, tick=False):
                    referrals.referral_decline(
                        actor=person, referral=referral, reason="Not a crime"
                    )
    _items_either_side_of_each_month(investigator, outsider, administrator)
    return moved


def _first_of_months(zone: str) -> list[datetime]:
    """Midnight of 1 February, March and April 2026 in ``zone``, as UTC."""
    local = ZoneInfo(zone)
    return [datetime(2026, month, 1, tzinfo=local).astimezone(UTC) for month in (2, 3, 4)]


def _items_either_side_of_each_month(investigator, outsider, administrator) -> None:
    """Evidence seized either side of each first of the month (in the unit's zone and in UTC,
    the all-units view's), each submitted either side of the next first of the month: the
    seizure-to-submission figure's months as ranges against its old date_trunc."""
    from casework.cases.models import Case
    from casework.custody import services as custody
    from tests.custody.factories import make_item, make_store

    plan = [
        (investigator, ZONES["north"]),
        (investigator, "UTC"),
        (outsider, ZONES["south"]),
        (outsider, "UTC"),
    ]
    store = make_store(admin=administrator)
    for person, zone in plan:
        case = Case.objects.filter(unit=person.unit).order_by("id").first()
        firsts = _first_of_months(zone)
        for month, first in enumerate(firsts[:-1]):
            for side in (-ONE_MICROSECOND, 0 * ONE_MICROSECOND):
                with time_machine.travel(firsts[month + 1] + side, tick=False):
                    item = make_item(case=case, store=store, actor=person, seized_at=first + side)
                    custody.custody_event_record(
                        actor=person,
                        item=item,
                        kind="submitted",
                        started_at=firsts[month + 1] + side,
                        submission_reference=f"ICSE-SYN-{item.pk:04d}",
                    )


# --- the comparison --------------------------------------------------------------------------


def _tables(scope: Scope, *, old: bool) -> dict[str, tuple]:
    tables = {}
    for figure in all_figures():
        compute = OLD.get(figure.key, figure.compute) if old else figure.compute
        table = compute(scope)
        tables[figure.key] = ([column.key for column in table.columns], table.rows, table.note)
    return tables


VIEWS = [
    ("supervisor", None),
    ("outside_supervisor", None),
    ("administrator", None),
    ("administrator", "north"),
    ("administrator", "south"),
]
PERIODS = [
    (date(2026, 3, 1), date(2026, 3, 31)),  # Sunday to Tuesday
    (date(2026, 3, 2), date(2026, 3, 29)),  # Monday to Sunday: whole weeks
    (date(2026, 3, 4), date(2026, 3, 25)),  # Wednesday to Wednesday
    (date(2026, 3, 30), date(2026, 3, 30)),  # one Monday
    (date(2026, 3, 29), date(2026, 3, 29)),  # one Sunday, the clocks' change in Paris
    (date(2026, 1, 1), date(2026, 4, 1)),  # a quarter
]


@pytest.mark.parametrize(("persona", "unit"), VIEWS)
def test_every_figure_is_what_the_old_forms_computed(persona, unit, edges, request):
    user = request.getfixturevalue(persona)
    with time_machine.travel(at(31, 12), tick=False):
        for start, end in PERIODS:
            scope = selectors.scope_for(user=user, unit=unit, period_start=start, period_end=end)
            assert _tables(scope, old=False) == _tables(scope, old=True), (start, end)


def test_the_edges_fall_in_different_weeks(edges, supervisor):
    """The data is not trivially equal: North's Monday-midnight referrals split between weeks
    in its own zone, and the weekly figure sees both halves."""
    with time_machine.travel(at(31, 12), tick=False):
        scope = selectors.scope_for(
            user=supervisor, unit=None, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
        )
        table = next(one for one in all_figures() if one.key == "referrals_weekly").compute(scope)
    assert scope.zone.key == ZONES["north"]
    received = [row["received"] for row in table.rows]
    assert sum(received) > 10 and len([count for count in received if count]) >= 5
    assert sum(row["triaged"] for row in table.rows) > 5


def test_the_items_fall_in_different_months(edges, supervisor):
    """Not trivially equal either: items seized a microsecond either side of North's first of
    February and of March fall in the months before and after in its own zone, and their
    submissions a month later are counted with their medians."""
    with time_machine.travel(at(31, 12), tick=False):
        scope = selectors.scope_for(
            user=supervisor, unit=None, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)
        )
        figure = next(one for one in all_figures() if one.key == "seizure_to_submission")
        rows = {row["month"]: row for row in figure.compute(scope).rows}
    assert rows["Jan 2026"]["seized"] >= 1 and rows["Feb 2026"]["seized"] >= 2
    assert rows["Feb 2026"]["submitted"] >= 1 and rows["Mar 2026"]["submitted"] >= 2
    assert rows["Mar 2026"]["median_days"] is not None


def test_the_percentiles_get_their_sort_memory_and_the_callers_setting_is_kept(
    history, administrator
):
    """Time to triage asks for room to sort in memory (at national scale the default spilled
    to disk) for its own statement only: a caller's open transaction keeps its setting."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.oversight.sql import SORT_MEMORY

    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        (before,) = cursor.fetchone()
    assert before != SORT_MEMORY
    scope = selectors.scope_for(
        user=administrator, unit=None, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    with CaptureQueriesContext(connection) as captured:
        next(one for one in all_figures() if one.key == "triage_time").compute(scope)
    statements = [query["sql"] for query in captured.captured_queries]
    asked = next(i for i, sql in enumerate(statements) if "set_config('work_mem'" in sql)
    percentiles = next(i for i, sql in enumerate(statements) if "percentile_cont" in sql)
    assert asked < percentiles and SORT_MEMORY in statements[asked]
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == before

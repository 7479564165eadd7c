"""SQL building blocks for the figures: percentiles, durations and calendar buckets.

``percentile_cont`` is an ordered-set aggregate Django does not ship; it is what makes a median
or a 90th percentile a single pass in PostgreSQL instead of a sort in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    Aggregate,
    BooleanField,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import WhereNode


class CountRows(Aggregate):
    """``COUNT(*)``, with an optional ``FILTER (WHERE …)``: Django's ``Count("*")`` refuses a
    filter, and ``Count("id")`` makes PostgreSQL fetch the id, which no covering index holds."""

    function = "COUNT"
    name = "CountRows"
    template = "%(function)s(*)"
    output_field = IntegerField()
    allow_filter = True
    empty_result_set_value = 0

    def __init__(self, *, filter=None, **extra) -> None:
        super().__init__(filter=filter, **extra)


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_filter = True

    def __init__(self, expression, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is between 0 and 1.")
        super().__init__(expression, fraction=float(fraction), **extra)


def seconds_between(later, earlier) -> Func:
    """``EXTRACT(EPOCH FROM later - earlier)`` in seconds, as a float."""
    later = F(later) if isinstance(later, str) else later
    earlier = F(earlier) if isinstance(earlier, str) else earlier
    return Func(
        later,
        earlier,
        template="EXTRACT(EPOCH FROM (%(expressions)s))",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def seconds_since(moment: datetime, earlier: str) -> Func:
    return seconds_between(Value(moment, output_field=DateTimeField()), earlier)


# Memory for the sorts of ``per_group_and_total`` (the time-to-triage percentiles): what a year
# of a national data set's triaged referrals needs in memory, with room for two years.
# PostgreSQL takes only what a sort uses; this is a ceiling per sort, not an allocation.
SORT_MEMORY = "128MB"
# Memory for every figure's statements (``figure_memory``). A supervisor's need-to-know tests
# each row against sets that grow with the unit's whole history (its cases, kept for years
# after they close; its referrals never accepted), each an ``IN (subquery)`` inside an OR.
# PostgreSQL hashes such a set only if it fits in ``work_mem`` times ``hash_mem_multiplier``,
# about 32 bytes an id; a set that does not fit is read again for every row tested, and the
# dashboard goes from a second to minutes. With the default 4 MB that happens at about 260,000
# ids, a few years of a large unit's referrals; with this, at about four million. A ceiling:
# a hash takes what its set needs.
FIGURE_MEMORY = "64MB"


@contextmanager
def figure_memory() -> Iterator[None]:
    """``work_mem`` at ``FIGURE_MEMORY`` on this thread's connection while the block runs,
    then as it was (the connection may be a web request's, kept open for the next request).

    Set for the session rather than per transaction: the figures run in autocommit, one or two
    statements each, and a transaction per figure would cost two more round trips each. Inside
    a caller's transaction a rollback undoes it too; the ``finally`` sets it back either way.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('work_mem'), set_config('work_mem', %s, false)",
            [FIGURE_MEMORY],
        )
        (previous, _) = cursor.fetchone()
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, false)", [previous])
        except DatabaseError:
            # A figure failed inside the caller's transaction, which PostgreSQL now refuses
            # every statement; its rollback sets work_mem back with everything else.
            pass


def _sql(queryset) -> tuple[str, tuple]:
    """The SELECT of ``queryset`` to nest in a statement of this module.

    A queryset Django knows to be empty (``unit__in`` no unit: an installation without units
    yet) has no SQL, only ``EmptyResultSet``; it becomes the same columns ``WHERE false``."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        query = queryset.query.clone()
        query.where = WhereNode()
        query.add_q(Q(Value(False, output_field=BooleanField())))
        return query.sql_with_params()


def _in_range(queryset, field: str):
    """``queryset``'s rows whose ``field`` lies in the statement's ``period_range``."""
    return queryset.filter(
        **{
            f"{field}__gte": RawSQL("period_range.low", [], output_field=DateTimeField()),
            f"{field}__lt": RawSQL("period_range.high", [], output_field=DateTimeField()),
        }
    ).order_by()


def per_group_and_total(
    queryset, group: str, values: list[str], columns: tuple[str, ...], measures: dict[str, str]
) -> tuple[dict, dict]:
    """Measures over the rows of ``queryset`` whose ``group`` is each of ``values``, and over
    all its rows, in one statement. Returns (rows by group value, total row).

    Each group is its own range of an index that leads with the group after the unit (for the
    time to triage, ``referral_priority_triaged_idx``), read by a ``LATERAL`` subquery, so a
    group's percentile sorts that group's rows and nothing else; the total is one more pass
    over the same rows. ``GROUP BY ROLLUP`` did the same from one scan, but sorted every row
    by the group first and converted each duration in numeric arithmetic: over a year of every
    unit, most of the figure's time (issue 26). A median cannot be derived from the groups'
    medians, hence the second pass. ``measures`` maps names to SQL aggregates over
    ``columns``; rows whose group is not in ``values`` count in the total only, as they did.
    """
    quote = connection.ops.quote_name
    selected = ", ".join(f"{sql} AS {quote(name)}" for name, sql in measures.items())
    in_group, group_params = _sql(
        queryset.filter(**{group: RawSQL("per_group.value", [])}).order_by().values(*columns)
    )
    every, every_params = _sql(queryset.order_by().values(*columns))
    statement = (
        f"SELECT per_group.value AS {quote(group)}, false AS is_total, measured.* "
        f"FROM unnest(%s::text[]) AS per_group(value) "
        f"CROSS JOIN LATERAL (SELECT {selected} FROM ({in_group}) AS selected) AS measured "
        f"UNION ALL SELECT NULL, true, {selected} FROM ({every}) AS selected"
    )
    params = [list(values), *group_params, *every_params]
    # The sorts in memory: a year of every unit's triaged referrals (270,000 at national scale)
    # overflowed the default 4 MB and were merged on disk (issue 26: 316 -> 246 ms of backend
    # CPU). The setting is local to this transaction, and set back when the caller's
    # transaction goes on after it.
    inside_callers = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if inside_callers:
            cursor.execute("SELECT current_setting('work_mem')")
            (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('work_mem', %s, true)", [SORT_MEMORY])
        cursor.execute(statement, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        if inside_callers:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [previous])
    total = next((row for row in rows if row["is_total"]), {})
    return {row[group]: row for row in rows if not row["is_total"]}, total


def counts_per_range(
    queryset, field: str, bounds: list[datetime], group: tuple[str, ...] = ()
) -> list[tuple]:
    """``COUNT(*)`` of ``queryset``'s rows per range ``[bounds[i], bounds[i + 1])`` of ``field``
    (and per value of the ``group`` columns): rows ``(i, *group values, count)``, ranges with
    no row left out.

    The calendar buckets of a figure (weeks, in the unit's zone) as ranges of the indexed time
    itself: one range scan of the figure's index per bucket (``LATERAL``), where
    ``date_trunc('week', field AT TIME ZONE zone)`` converted and truncated every row of the
    period (issue 26: over a year of every unit, most of the weekly figure's time). A row
    falls in the range whose local start it follows, which is the week ``date_trunc`` gives it
    wherever local time only moves forward across a bucket's start (true of every zone's
    Monday midnight today; a zone whose clocks went back across midnight into Sunday would
    count that hour in the new week). ``tests/oversight/test_old_and_new_figures.py`` compares the
    two forms.
    """
    if len(bounds) < 2:
        return []
    columns = ", ".join(connection.ops.quote_name(name) for name in group)
    inner, params = _sql(_in_range(queryset, field).values(*(group or (field,))))
    counted = (
        f"SELECT {columns}, COUNT(*) FROM ({inner}) AS selected GROUP BY {columns}"
        if group
        else f"SELECT COUNT(*) FROM ({inner}) AS selected"
    )
    statement = (
        f"SELECT period_range.position, counted.* FROM unnest(%s::timestamptz[], "
        f"%s::timestamptz[]) WITH ORDINALITY AS period_range(low, high, position) "
        f"CROSS JOIN LATERAL ({counted}) AS counted"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [bounds[:-1], bounds[1:], *params])
        return [(row[0] - 1, *row[1:]) for row in cursor.fetchall() if row[-1]]


def measures_per_range(
    queryset, field: str, bounds: list[datetime], columns: tuple[str, ...], measures: dict[str, str]
) -> list[dict]:
    """``measures`` (SQL aggregates over ``columns``) of ``queryset``'s rows in each range
    ``[bounds[i], bounds[i + 1])`` of ``field``, one dict per range in order; a range with no
    row has the aggregates of no rows (counts 0, percentiles None).

    The months of a figure as ranges of the indexed time, one range scan each (``LATERAL``),
    as ``counts_per_range`` does for the weeks: no per-row ``date_trunc`` in the zone, no sort
    of the period by month (issue 26). A row falls in the range whose local start it follows,
    which is the month ``date_trunc`` gives it (the caveat of ``counts_per_range`` applies).
    """
    if len(bounds) < 2:
        return []
    quote = connection.ops.quote_name
    inner, params = _sql(_in_range(queryset, field).values(*columns))
    selected = ", ".join(f"{sql} AS {quote(name)}" for name, sql in measures.items())
    statement = (
        f"SELECT measured.* FROM unnest(%s::timestamptz[], %s::timestamptz[]) "
        f"WITH ORDINALITY AS period_range(low, high, position) "
        f"CROSS JOIN LATERAL (SELECT {selected} FROM ({inner}) AS selected) AS measured "
        f"ORDER BY period_range.position"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [bounds[:-1], bounds[1:], *params])
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


HOUR = 3600.0
DAY = 86400.0


def week_starts(first: date, last: date) -> list[date]:
    """Every Monday from the week holding ``first`` to the week holding ``last``."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def month_starts(first: date, last: date) -> list[date]:
    month = first.replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months

"""What the figures share: the period filter, links to the records behind a figure, calendar
labels, the names of the people counted, and hours and days from seconds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q

from casework.accounts.models import User

from ..registry import Link, Scope, list_link
from ..sql import DAY, HOUR, month_starts, week_starts

ONE_DAY = timedelta(days=1)
# Ranked tables (per person, per agency) show this many rows on the dashboard: a national
# unit's team, not the thousand investigators of every unit at once.
PAGE_ROWS = 50


def in_period(scope: Scope, field: str) -> Q:
    return Q(**{f"{field}__gte": scope.start, f"{field}__lt": scope.end})


def links_for(scope: Scope, *candidates: Link | None) -> list[Link]:
    # The administrators' view is aggregate only: no way into records from it.
    if scope.aggregate_only:
        return []
    return [link for link in candidates if link is not None]


def first_link(label: str, url_names: tuple[str, ...], **query) -> Link | None:
    for name in url_names:
        link = list_link(label, name, **query)
        if link is not None:
            return link
    return None


def week_label(day: date) -> str:
    return f"{day:%d %b %Y}"


def month_label(day: date) -> str:
    return f"{day:%b %Y}"


def week_ranges(scope: Scope) -> tuple[list[date], list[datetime]]:
    """The period's weeks (their Mondays) and the instants that bound them: the period's
    start, each later Monday's midnight in the unit's zone, the period's end. Week ``i`` is
    ``[bounds[i], bounds[i + 1])``, the first and last cut to the period."""
    weeks = week_starts(scope.first_day, scope.last_day)
    bounds = [
        scope.start,
        *(datetime.combine(monday, time.min, tzinfo=scope.zone) for monday in weeks[1:]),
        scope.end,
    ]
    return weeks, bounds


def month_ranges(scope: Scope) -> tuple[list[date], list[datetime]]:
    """The period's months (their first days) and the instants that bound them, as
    ``week_ranges`` gives the weeks: month ``i`` is ``[bounds[i], bounds[i + 1])``."""
    months = month_starts(scope.first_day, scope.last_day)
    bounds = [
        scope.start,
        *(datetime.combine(first, time.min, tzinfo=scope.zone) for first in months[1:]),
        scope.end,
    ]
    return months, bounds


def bucket(value, scope: Scope) -> date | None:
    return value.astimezone(scope.zone).date() if value is not None else None


def user_names(ids: set[int | None]) -> dict[int, str]:
    """The display names of these users, in one query.

    The per-person figures count per user id and name the people afterwards: grouped by the
    names as well, PostgreSQL misjudges the number of groups and hashes (or sorts, on disk)
    wider rows for a thousand investigators.
    """
    users = User.objects.filter(pk__in=ids - {None}).values(
        "id", "username", "first_name", "last_name"
    )
    return {
        user["id"]: f"{user['first_name']} {user['last_name']}".strip() or user["username"]
        for user in users
    }


def as_hours(seconds: float | None) -> float | None:
    return round(seconds / HOUR, 1) if seconds is not None else None


def as_days(seconds: float | None) -> float | None:
    return round(seconds / DAY, 1) if seconds is not None else None

"""Reckoning a due time from a start, a rule, a time zone and a holiday calendar.

Pure functions (no database), so daylight-saving changes and holidays are tested directly.
Periods in hours are elapsed time (24 hours across a DST change is still 24 hours); periods in
days and months are counted on the local calendar of the deadline's time zone, and "end of day"
is 23:59:59 local time on the last day, whatever the UTC offset is that day.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from django.conf import settings

END_OF_DAY = time(23, 59, 59)


def zone_for(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name; ``ValueError`` for anything else."""
    if not name or name not in _zone_names():
        raise ValueError(f"Unknown time zone {name!r}: use an IANA name such as Europe/Berlin.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:  # pragma: no cover - defensive
        raise ValueError(f"Unknown time zone {name!r}.") from error


def default_zone(owner, unit) -> tuple[str, ZoneInfo]:
    """The zone a clock is reckoned in when none is named: the owner's, else the unit's, else
    the site's; a bad stored value is skipped, not blamed on a caller who never named a zone."""
    for name in (getattr(owner, "time_zone", ""), unit.time_zone, settings.TIME_ZONE, "UTC"):
        try:
            return name, zone_for(name)
        except ValueError:
            continue
    raise AssertionError("UTC is always a known zone")  # pragma: no cover


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def holiday_calendar(code: str):
    """Public holidays for 'US', 'DE', 'US-NY' …; None when the package does not know the code."""
    if not code:
        return None
    country, _, subdivision = code.upper().partition("-")
    return _holidays(country, subdivision or None)


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str | None):
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        if subdivision:
            return _holidays(country, None)
        return None


def is_business_day(day: date, holiday_days) -> bool:
    return day.weekday() < 5 and (holiday_days is None or day not in holiday_days)


def add_business_days(day: date, count: int, holiday_days) -> date:
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day, holiday_days):
            count -= 1
    return day


def add_months(day: date, months: int) -> date:
    """Same day of the month ``months`` later; the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def compute_due(
    *,
    starts_at: datetime,
    zone: ZoneInfo,
    months: int = 0,
    days: int = 0,
    hours: int = 0,
    business_days: bool = False,
    end_of_day: bool = True,
    roll_to_business_day: bool = False,
    holiday_code: str = "",
) -> datetime:
    """The due time (UTC) of a period that starts at ``starts_at``."""
    if hours:
        return (starts_at + timedelta(hours=hours)).astimezone(UTC)
    local = starts_at.astimezone(zone)
    holiday_days = holiday_calendar(holiday_code)
    day = add_months(local.date(), months) if months else local.date()
    if business_days:
        day = add_business_days(day, days, holiday_days)
    else:
        day += timedelta(days=days)
    if roll_to_business_day:
        while not is_business_day(day, holiday_days):
            day += timedelta(days=1)
    wall = END_OF_DAY if end_of_day else local.time().replace(tzinfo=None)
    return _local_to_utc(day, wall, zone)


def _local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    # fold=0 (PEP 495): a wall time inside a spring-forward gap is read with the offset before
    # the change, which lands just after the gap (02:30 that does not exist becomes 03:30); an
    # ambiguous autumn time is its first occurrence.
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)

"""When a clock's reminders fall, and when it is missed: the rules the sweep's SQL also holds.

A clock keeps its reminders as offsets in seconds before its due time. These functions decide
them one clock at a time (a clock started, extended or rescheduled); the sweep
(``services.sweep``) and the bulk start of triage clocks (``services.bulk``) decide the same in
SQL over many clocks at once. ``tests/deadlines/test_sql_agrees.py`` runs both on the same
clocks, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .choices import DeadlineState


def offset_seconds(offsets: Iterable[timedelta]) -> list[int]:
    """Offsets as a clock stores them (``Deadline.reminder_offsets``)."""
    return [int(offset.total_seconds()) for offset in offsets]


def next_reminder_after(due_at: datetime, offsets: Iterable[int], now: datetime) -> datetime | None:
    """The earliest reminder time still ahead of ``now``, if any (what the sweep moves a clock's
    ``next_reminder_at`` to once it has claimed the reminders that were due)."""
    upcoming = [due_at - timedelta(seconds=s) for s in offsets]
    return min((at for at in upcoming if at > now), default=None)


def first_reminder_at(due_at: datetime, offsets: list[int], now: datetime) -> datetime | None:
    """The earliest reminder time still ahead; ``now`` when every one has passed but the clock
    has not (started late: one catch-up reminder, which says it is late), else none."""
    upcoming = next_reminder_after(due_at, offsets, now)
    if upcoming is not None:
        return upcoming
    return now if offsets and due_at > now else None


def offsets_due(due_at: datetime, offsets: Iterable[int], now: datetime) -> list[int]:
    """The offsets whose reminder time has come by ``now`` (the sweep claims each once)."""
    return sorted(s for s in offsets if due_at - timedelta(seconds=s) <= now)


def is_missed(state: str, due_at: datetime, now: datetime) -> bool:
    """An open clock whose due time has come is missed (and escalated, once)."""
    return state == DeadlineState.OPEN and due_at <= now

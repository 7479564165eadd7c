"""Where a referral's triage clock comes from: the deadline rules an administrator edits.

There is one source of truth, the "Referral triage" rules (one per priority) in the deadlines
app, so the queue, the deadline board, reminders and the oversight figures all count the same
clock. Referrals may not import deadlines (deadlines depends on referrals), so the deadlines app
hands its rule reader to ``use_triage_rules`` when it starts, much as it subscribes to events.

``triage_clock(unit=...)`` reads the rules once and returns a function of (received time,
priority): a bulk import asks it for 100,000 rows without a query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from casework.accounts.models import Unit

# (received_at, priority) -> due time, or None when the administrator switched the rule off.
TriageClock = Callable[[datetime, str], datetime | None]
TriageRuleReader = Callable[["Unit"], TriageClock]

_reader: TriageRuleReader | None = None


def use_triage_rules(reader: TriageRuleReader) -> None:
    """Called once by the deadlines app: ``reader(unit)`` reads the rules as they stand now."""
    global _reader
    _reader = reader


def triage_clock(*, unit: Unit) -> TriageClock:
    """The triage rules of ``unit`` as they stand now, read once."""
    if _reader is None:
        raise ImproperlyConfigured(
            "No triage rules: casework.deadlines must be installed, it owns the triage clocks."
        )
    return _reader(unit)


def triage_due(*, unit: Unit, received_at: datetime, priority: str) -> datetime | None:
    """When triage of one referral must end (None: no rule, no clock)."""
    return triage_clock(unit=unit)(received_at, priority)

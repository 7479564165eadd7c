"""State changes of deadlines: start, meet, waive, extend, and the reminder sweep.

Each function is one transaction and writes its audit event. Callers (views, API, other apps'
services, event handlers) decide access through ``casework.deadlines.selectors`` before calling;
these functions check that the change makes sense. Two also check who asks, because the rule is
about the person (``acts``): meeting by hand and waiving. ``deadline_meet`` itself is for the
services that record the act a clock stands for (a review, a triage, an answer, a submission).

One module per concern: ``start`` (and ``bulk``, the triage clocks of an import), ``meet``
(met, waived, closed with the case), ``extend`` (extended, rescheduled), ``ownership`` (clocks
that follow their case), ``sweep`` and ``reminders`` (the beat and the messages it sends),
``feed`` (calendar feed tokens). Callers import from here; handlers look names up on this
package when they call, so a test may replace one here.
"""

from __future__ import annotations

from .bulk import deadlines_start_triage_bulk
from .extend import deadline_extend, deadline_reschedule
from .feed import calendar_feed_token_issue, calendar_feed_token_revoke
from .meet import (
    deadline_meet,
    deadline_meet_by_hand,
    deadline_waive,
    deadlines_close_for_case,
    deadlines_meet,
)
from .ownership import deadlines_hand_over, deadlines_move_case, deadlines_transfer_case
from .reminders import deadline_reminders_send
from .start import StartedClock, deadline_start, deadline_start_automatic, deadlines_start_for_case
from .sweep import SweepResult, deadlines_sweep

__all__ = [
    "StartedClock",
    "SweepResult",
    "calendar_feed_token_issue",
    "calendar_feed_token_revoke",
    "deadline_extend",
    "deadline_meet",
    "deadline_meet_by_hand",
    "deadline_reminders_send",
    "deadline_reschedule",
    "deadline_start",
    "deadline_start_automatic",
    "deadline_waive",
    "deadlines_close_for_case",
    "deadlines_hand_over",
    "deadlines_meet",
    "deadlines_move_case",
    "deadlines_start_for_case",
    "deadlines_start_triage_bulk",
    "deadlines_sweep",
    "deadlines_transfer_case",
]

"""State changes of retention: rules, reviews, legal holds and two-person disposal.

Each function is one transaction and writes its audit event. Who may act is checked here, since
every rule is about the person: administrators edit the schedule; a supervisor of the record's
unit decides reviews, places and lifts holds and asks for disposal; a *second* supervisor of
that unit approves it; service accounts decide nothing (``require_person``). The review clock is
a ``retention_review`` deadline met by the review's decision and by nothing else.
"""

from __future__ import annotations

from casework.referrals.choices import TriageOutcome

from .disposal import disposal_approve, disposal_reject
from .holds import legal_hold_lift, legal_hold_place
from .records import current_rule
from .reviews import (
    RESUME_REVIEW_DAYS,
    retention_review_dispose,
    retention_review_retain,
    retention_review_schedule,
)
from .rules import retention_rule_change

__all__ = [
    "RESUME_REVIEW_DAYS",
    "TriageOutcome",
    "current_rule",
    "disposal_approve",
    "disposal_reject",
    "legal_hold_lift",
    "legal_hold_place",
    "retention_review_dispose",
    "retention_review_retain",
    "retention_review_schedule",
    "retention_rule_change",
]

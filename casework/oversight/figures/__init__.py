"""The figures on the unit dashboard and in the period reports, one module per source app.

Each function runs one or two aggregate queries over the records its scope allows (and one more
to name the people it counted) and returns rows of counts and measures; none iterates over
records. Rows are counted with ``CountRows`` (``COUNT(*)``), not ``COUNT(id)``: the id is in no
covering index, and asking for it turns an index-only scan into a read of the table.
Definitions are written for the reader of a report who never saw the software: what is
counted, from which date, over which period.

Importing this package registers every figure in ``registry.FIGURES``; ``all_figures`` lists
them in the dashboard's order.
"""

from __future__ import annotations

from ..registry import FIGURES, Figure
from .case_templates import checklist_outcomes
from .cases import case_outcomes, caseload, victims
from .common import PAGE_ROWS
from .custody import seizure_to_submission
from .deadlines import deadline_outcomes, overdue_by_person
from .partners import partner_requests
from .referrals import BACKLOG_BUCKETS, backlog_age, referrals_weekly, triage_time


def all_figures() -> list[Figure]:
    return sorted(FIGURES.values(), key=lambda one: (one.order, one.key))


__all__ = [
    "BACKLOG_BUCKETS",
    "PAGE_ROWS",
    "all_figures",
    "backlog_age",
    "case_outcomes",
    "caseload",
    "checklist_outcomes",
    "deadline_outcomes",
    "overdue_by_person",
    "partner_requests",
    "referrals_weekly",
    "seizure_to_submission",
    "triage_time",
    "victims",
]

"""How a case review drives the deadlines app's review clock (oversight sits above deadlines).

The deadlines app already runs a repeating ``case_review`` clock on every open case (started when
the case opens, restarted for the rule's period each time it is met). A review recorded here
meets that clock and moves the restarted one to the date the supervisor chose, so a case has
exactly one review clock and its reminders follow the supervisor's decision. A case without a
running review clock gets a new one through ``deadline_start`` with the review as its source.
Everything goes through the deadlines app's services, in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from casework.deadlines.choices import ACTIVE_STATES, DeadlineState
from casework.deadlines.selectors import deadlines_for_case
from casework.deadlines.services import deadline_meet, deadline_reschedule, deadline_start

SOURCE_TYPE = "oversight.casereview"
KIND = "case_review"


def schedule_next_review(*, actor, case, review_id: int, due_at: datetime) -> UUID:
    """Meet the running review clock and set the next one due at ``due_at``; its reference."""

    def review_clocks():
        return deadlines_for_case(user=actor, case=case).filter(kind=KIND)

    running = list(review_clocks().filter(state__in=list(ACTIVE_STATES)).order_by("pk"))
    for deadline in running:
        deadline_meet(actor=actor, deadline=deadline)
    restarted = (
        review_clocks()
        .filter(state=DeadlineState.OPEN)
        .exclude(pk__in=[d.pk for d in running])
        .order_by("pk")
        .first()
    )
    if restarted is not None:
        deadline = deadline_reschedule(
            actor=actor,
            deadline=restarted,
            due_at=due_at,
            reason=f"Next review date set by the supervisor in case review {review_id}.",
        )
        return deadline.reference
    deadline = deadline_start(
        actor=actor,
        kind=KIND,
        case=case,
        due_at=due_at,
        source_type=SOURCE_TYPE,
        source_id=str(review_id),
        owner=actor,
        note="Next case review, as decided in the last review.",
    )
    return deadline.reference

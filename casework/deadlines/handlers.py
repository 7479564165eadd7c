"""Clocks started and stopped by other apps' events (see ``casework.core.events``).

Handlers run inside the publishing service's transaction: a clock that cannot be started rolls
the referral or case change back rather than leaving work without its deadline.
"""

from __future__ import annotations

from casework.core import events

from . import services
from .choices import ACTIVE_STATES, DeadlineKind
from .models import Deadline
from .rules import rule_for

REFERRAL_SOURCE = "referral"
CASE_SOURCE = "case"


@events.subscribe("referral.received")
def start_triage_clock(*, referral, actor=None, **_) -> None:
    # The referrals app may compute the triage due time itself (``triage_due_at``); when it does,
    # that time wins so that both apps show the same clock. Otherwise the priority rule decides;
    # an administrator who switched the rule off switched the clock off.
    due_at = getattr(referral, "triage_due_at", None)
    if (
        due_at is None
        and rule_for(kind=DeadlineKind.REFERRAL_TRIAGE, priority=referral.priority) is None
    ):
        return
    services.deadline_start(
        actor=actor,
        kind=DeadlineKind.REFERRAL_TRIAGE,
        referral=referral,
        source_type=REFERRAL_SOURCE,
        source_id=str(referral.pk),
        starts_at=referral.received_at,
        due_at=due_at,
    )


@events.subscribe("referral.received_bulk")
def start_triage_clocks_for_import(*, referral_ids, actor=None, **_) -> None:
    services.deadlines_start_triage_bulk(actor=actor, referral_ids=list(referral_ids))


@events.subscribe("referral.triaged")
def meet_triage_clock(*, referral, actor=None, **_) -> None:
    for deadline in Deadline.objects.filter(
        referral=referral, kind=DeadlineKind.REFERRAL_TRIAGE, state__in=ACTIVE_STATES
    ).order_by("pk"):
        services.deadline_meet(actor=actor, deadline=deadline)


@events.subscribe("referral.reprioritised")
def move_triage_clock(*, referral, actor=None, **_) -> None:
    due_at = getattr(referral, "triage_due_at", None)
    if due_at is None:
        return
    for deadline in Deadline.objects.filter(
        referral=referral, kind=DeadlineKind.REFERRAL_TRIAGE, state__in=ACTIVE_STATES
    ).order_by("pk"):
        services.deadline_reschedule(
            actor=actor,
            deadline=deadline,
            due_at=due_at,
            reason=f"Referral re-prioritised to {referral.priority}.",
        )


@events.subscribe("case.opened")
def start_case_review_clock(*, case, actor=None, **_) -> None:
    if rule_for(kind=DeadlineKind.CASE_REVIEW, priority=case.priority) is None:
        return  # the review rule is switched off: opening the case must not fail for it
    services.deadline_start(
        actor=actor,
        kind=DeadlineKind.CASE_REVIEW,
        case=case,
        source_type=CASE_SOURCE,
        source_id=case.number,
        starts_at=case.opened_at,
    )


@events.subscribe("case.lead_changed")
def hand_over_case_clocks(*, case, previous, actor=None, **_) -> None:
    services.deadlines_hand_over(actor=actor, case=case, previous=previous, owner=case.lead)


@events.subscribe("case.closed")
def close_case_clocks(*, case, actor=None, carried=(), **_) -> None:
    # ``carried``: the closure's carried items ({key, reason}); a carried clock stays open.
    kept = [
        int(entry["key"].split(":", 1)[1])
        for entry in carried
        if str(entry.get("key", "")).startswith("deadline:")
    ]
    services.deadlines_close_for_case(actor=actor, case=case, carried=kept)


@events.subscribe("case.merged")
def move_case_clocks(*, duplicate, original, actor=None, **_) -> None:
    services.deadlines_move_case(actor=actor, duplicate=duplicate, original=original)


@events.subscribe("case.transferred")
def move_clocks_with_case(*, case, team=(), actor=None, **_) -> None:
    services.deadlines_transfer_case(actor=actor, case=case, team=team)

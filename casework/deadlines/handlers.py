"""Clocks started and stopped by other apps' events (see ``casework.core.events``).

Handlers run inside the publishing service's transaction: a clock that cannot be started rolls
the referral or case change back rather than leaving work without its deadline.
"""

from __future__ import annotations

from casework.core import events
from casework.partners import clocks as request_clocks

from . import services
from .choices import ACTIVE_STATES, DeadlineKind
from .models import Deadline
from .rules import rule_for

REFERRAL_SOURCE = "referral"
CASE_SOURCE = "case"


@events.subscribe(events.ReferralReceived)
def start_triage_clock(event: events.ReferralReceived) -> None:
    referral = event.referral
    # The referral's ``triage_due_at`` is the one stored triage due time (docs/deadlines.md):
    # the clock starts at it. A referral written without one falls back to the priority rule;
    # an administrator who switched the rule off switched the clock off.
    due_at = getattr(referral, "triage_due_at", None)
    if (
        due_at is None
        and rule_for(kind=DeadlineKind.REFERRAL_TRIAGE, priority=referral.priority) is None
    ):
        return
    services.deadline_start(
        actor=event.actor,
        kind=DeadlineKind.REFERRAL_TRIAGE,
        referral=referral,
        source_type=REFERRAL_SOURCE,
        source_id=str(referral.pk),
        starts_at=referral.received_at,
        due_at=due_at,
    )


@events.subscribe(events.ReferralsReceivedBulk)
def start_triage_clocks_for_import(event: events.ReferralsReceivedBulk) -> None:
    services.deadlines_start_triage_bulk(actor=event.actor, referral_ids=list(event.referral_ids))


@events.subscribe(events.ReferralTriaged)
def meet_triage_clock(event: events.ReferralTriaged) -> None:
    for deadline in Deadline.objects.filter(
        referral=event.referral, kind=DeadlineKind.REFERRAL_TRIAGE, state__in=ACTIVE_STATES
    ).order_by("pk"):
        services.deadline_meet(actor=event.actor, deadline=deadline)


@events.subscribe(events.ReferralReprioritised)
def move_triage_clock(event: events.ReferralReprioritised) -> None:
    referral = event.referral
    due_at = getattr(referral, "triage_due_at", None)
    if due_at is None:
        return
    for deadline in Deadline.objects.filter(
        referral=referral, kind=DeadlineKind.REFERRAL_TRIAGE, state__in=ACTIVE_STATES
    ).order_by("pk"):
        services.deadline_reschedule(
            actor=event.actor,
            deadline=deadline,
            due_at=due_at,
            reason=f"Referral re-prioritised to {referral.priority}.",
        )


@events.subscribe(events.CaseOpened)
def start_case_review_clock(event: events.CaseOpened) -> None:
    case = event.case
    if rule_for(kind=DeadlineKind.CASE_REVIEW, priority=case.priority) is None:
        return  # the review rule is switched off: opening the case must not fail for it
    services.deadline_start(
        actor=event.actor,
        kind=DeadlineKind.CASE_REVIEW,
        case=case,
        source_type=CASE_SOURCE,
        source_id=case.number,
        starts_at=case.opened_at,
    )


@events.subscribe(events.CaseLeadChanged)
def hand_over_case_clocks(event: events.CaseLeadChanged) -> None:
    services.deadlines_hand_over(
        actor=event.actor, case=event.case, previous=event.previous, owner=event.case.lead
    )


@events.subscribe(events.CaseClosed)
def close_case_clocks(event: events.CaseClosed) -> None:
    kept = [
        int(entry["key"].split(":", 1)[1])
        for entry in event.carried
        if str(entry.get("key", "")).startswith("deadline:")
    ]
    services.deadlines_close_for_case(actor=event.actor, case=event.case, carried=kept)


@events.subscribe(events.CaseMerged)
def move_case_clocks(event: events.CaseMerged) -> None:
    services.deadlines_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )


@events.subscribe(events.CaseTransferred)
def move_clocks_with_case(event: events.CaseTransferred) -> None:
    services.deadlines_transfer_case(actor=event.actor, case=event.case, team=event.team)


@events.subscribe(events.RequestSent)
def start_request_clocks(event: events.RequestSent) -> None:
    # Which clocks a request runs is the partners app's rule (``partners.clocks``); starting
    # them adopts an open clock of the same kind on the same record instead of a second one.
    request = event.request
    for kind in request_clocks.deadline_kinds_for(
        kind=request.kind, legal_basis=request.legal_basis, direction=request.direction
    ):
        event.started_clocks.append(
            services.deadline_start_automatic(
                actor=event.actor,
                kind=kind,
                case=request.case,
                referral=request.referral,
                source_type=request_clocks.SOURCE_TYPE,
                source_id=str(request.pk),
                starts_at=request.sent_at,
                owner=event.actor,
                jurisdiction=request_clocks.jurisdiction_for(request),
                note=f"{request.get_kind_display()} to {request.agency.name}",
            )
        )


@events.subscribe(events.RequestProgressed)
def meet_request_clocks(event: events.RequestProgressed) -> None:
    kinds = request_clocks.deadline_kinds_met_by(request=event.request, new_status=event.status)
    if kinds == []:
        return
    services.deadlines_meet(
        actor=event.actor,
        source_type=request_clocks.SOURCE_TYPE,
        source_id=str(event.request.pk),
        kinds=kinds,
    )

"""Which clocks a request starts, and the one adapter to the deadlines app.

Partners depends on deadlines, never the reverse. Sending a request starts its clocks through
``casework.deadlines.services.deadline_start`` (source ``partners.request`` and the request's
id); answering meets them through ``deadlines_meet``. Which deadline kinds run follows from what
was asked and under which legal basis: a US preservation letter runs 90 days (its reminders say
when to renew; renewing is extending that clock in the deadlines app), an EU production order
has its own response window, an emergency one a far shorter one, a takedown notice waits for
removal to be confirmed, a referral out for acknowledgement.
"""

from __future__ import annotations

import logging

from .choices import Direction, LegalBasis, RequestKind, RequestStatus

try:
    # Started through ``deadline_start_automatic``: it adopts an open clock of the same kind on
    # the same record instead of starting a second one.
    from casework.deadlines.services import deadline_start_automatic as deadline_start
    from casework.deadlines.services import deadlines_meet
except ImportError:  # pragma: no cover - the deadlines app's services are not installed
    deadline_start = deadlines_meet = None

logger = logging.getLogger(__name__)

SOURCE_TYPE = "partners.request"


def deadline_kinds_for(*, kind: str, legal_basis: str, direction: str) -> list[str]:
    """The deadline kind codes a request of this sort starts when it is sent."""
    if direction == Direction.INCOMING:
        # Another agency asks us: our own answer is due.
        return ["legal_process_response"]
    if kind == RequestKind.PRESERVATION:
        if legal_basis == LegalBasis.EU_E_EVIDENCE:
            return ["eu_preservation_order"]
        if legal_basis == LegalBasis.BUDAPEST:
            return ["budapest_preservation"]
        # The renewal (one further 90 days) is the deadlines app's extension of this clock.
        return ["preservation_us_2703f"]
    if kind == RequestKind.PRODUCTION:
        if legal_basis == LegalBasis.EU_E_EVIDENCE:
            return ["eu_production_order"]
        return ["legal_process_response"]
    if kind == RequestKind.EMERGENCY:
        if legal_basis == LegalBasis.EU_E_EVIDENCE:
            return ["eu_production_order_emergency"]
        return ["legal_process_response"]
    if kind == RequestKind.MLAT:
        return ["legal_process_response"]
    if kind == RequestKind.TAKEDOWN:
        return ["takedown_confirmation"]
    if kind == RequestKind.DATABASE:
        return ["icse_submission"]
    if kind == RequestKind.REFERRAL_OUT:
        return ["referral_out_acknowledgement"]
    return []


_BASIS_JURISDICTION = {
    LegalBasis.US_2703F: "US",
    LegalBasis.EU_E_EVIDENCE: "EU",
    LegalBasis.BUDAPEST: "CoE",
}


def jurisdiction_for(request) -> str:
    """Whose rule and public holidays count: the legal framework's, else the partner's country
    (a takedown's business days are those where the host must act)."""
    return _BASIS_JURISDICTION.get(request.legal_basis, request.agency.country)


def deadline_kinds_met_by(*, request, new_status: str) -> list[str] | None:
    """Which of the request's clocks a status change stops: ``None`` means all of them, ``[]``
    none. An acknowledgement stops only the acknowledgement clock; a partial answer keeps the
    clocks running (the rest is still owed); a final answer, expiry or withdrawal stops all."""
    if new_status == RequestStatus.ACKNOWLEDGED:
        return ["referral_out_acknowledgement"] if request.kind == RequestKind.REFERRAL_OUT else []
    if new_status == RequestStatus.PARTIAL:
        if request.kind == RequestKind.REFERRAL_OUT:
            return ["referral_out_acknowledgement"]
        return []
    if new_status in (
        RequestStatus.FULFILLED,
        RequestStatus.REFUSED,
        RequestStatus.EXPIRED,
        RequestStatus.WITHDRAWN,
    ):
        return None
    return []


def start_request_deadlines(*, actor, request) -> list:
    """Adapter: start the request's clocks in the deadlines app (or adopt an open one of the
    same kind on the same record); returns what happened, for the confirmation."""
    if deadline_start is None:  # pragma: no cover
        logger.warning("deadlines app unavailable: no clocks started for request %s", request.pk)
        return []
    started = []
    for kind in deadline_kinds_for(
        kind=request.kind, legal_basis=request.legal_basis, direction=request.direction
    ):
        started.append(
            deadline_start(
                actor=actor,
                kind=kind,
                case=request.case,
                referral=request.referral,
                source_type=SOURCE_TYPE,
                source_id=str(request.pk),
                starts_at=request.sent_at,
                owner=actor,
                jurisdiction=jurisdiction_for(request),
                note=f"{request.get_kind_display()} to {request.agency.name}",
            )
        )
    return started


def meet_request_deadlines(*, actor, request, kinds: list[str] | None) -> int:
    """Adapter: stop the request's clocks (``kinds=None``: all of them)."""
    if kinds == []:
        return 0
    if deadlines_meet is None:  # pragma: no cover
        return 0
    return deadlines_meet(
        actor=actor, source_type=SOURCE_TYPE, source_id=str(request.pk), kinds=kinds
    )

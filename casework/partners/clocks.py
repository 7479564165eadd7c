"""Which clocks a request starts and which of its status changes stop them: the partners
app's rules, applied by the deadlines app when it hears ``RequestSent`` and ``RequestProgressed``
(``casework.deadlines.handlers``; deadlines depends on partners, never the reverse), with source
``partners.request`` and the request's id. Which deadline kinds run follows from what
was asked and under which legal basis: a US preservation letter runs 90 days (its reminders say
when to renew; renewing is extending that clock in the deadlines app), an EU production order
has its own response window, an emergency one a far shorter one, a takedown notice waits for
removal to be confirmed, a referral out for acknowledgement.
"""

from __future__ import annotations

from .choices import Direction, LegalBasis, RequestKind, RequestStatus

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

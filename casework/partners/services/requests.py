"""Requests to and from partners (preservation, production, MLAT, takedown, referrals out),
from the draft through sending to the answer. Sending starts the request's clocks and a final
answer meets them: the deadlines app hears ``RequestSent`` and ``RequestProgressed``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import DomainError
from casework.referrals.services import referral_mark_referred_out

from ..choices import (
    ANSWER_STATUSES,
    REQUEST_TRANSITIONS,
    Direction,
    LegalBasis,
    RequestKind,
    RequestStatus,
)
from ..models import Agency, Communication, Contact, PartnerRequest
from .checks import (
    audit_case_id,
    choice,
    contact_of,
    handling,
    not_in_future,
    on_record,
    require_case_worker,
    summary_text,
)

# --- requests ----------------------------------------------------------------------------------


@transaction.atomic
def request_create(
    *,
    actor,
    agency: Agency,
    direction: str,
    kind: str,
    summary: str,
    case=None,
    referral=None,
    contact: Contact | None = None,
    legal_basis: str = LegalBasis.DOMESTIC,
    handling_code: str = "",
    external_reference: str = "",
) -> PartnerRequest:
    """Draft a request to (or record one from) a partner. Nothing runs until it is sent."""
    require_case_worker(actor)
    record = on_record(actor=actor, case=case, referral=referral)
    choice(direction, Direction, field="direction", what="direction")
    choice(kind, RequestKind, field="kind", what="request kind")
    choice(legal_basis, LegalBasis, field="legal_basis", what="legal basis")
    contact_of(agency, contact)
    handling_code = handling(handling_code, direction=direction)
    if kind == RequestKind.REFERRAL_OUT and direction != Direction.OUTGOING:
        raise DomainError("A referral out is always outgoing.", field="direction")
    request = PartnerRequest.objects.create(
        **record,
        agency=agency,
        contact=contact,
        direction=direction,
        kind=kind,
        legal_basis=legal_basis,
        handling_code=handling_code,
        summary=summary_text(summary),
        external_reference=(external_reference or "").strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="partner_request.create",
        target=request,
        case_id=audit_case_id(**record),
        details={
            "agency": agency.name,
            "kind": kind,
            "direction": direction,
            "legal_basis": legal_basis,
            "handling_code": handling_code,
        },
    )
    return request


def _locked(request: PartnerRequest) -> PartnerRequest:
    return (
        PartnerRequest.objects.select_for_update(of=("self",))
        .select_related("agency", "case", "referral")
        .get(pk=request.pk)
    )


def _transition(request: PartnerRequest, new_status: str) -> None:
    if new_status not in REQUEST_TRANSITIONS.get(request.status, frozenset()):
        label = RequestStatus(new_status).label.lower()
        if request.status == RequestStatus.DRAFT and new_status in (
            *ANSWER_STATUSES,
            RequestStatus.ACKNOWLEDGED,
            RequestStatus.EXPIRED,
        ):
            raise DomainError(
                f"This request was never sent, so it cannot be {label}: "
                "record when it was sent first.",
                field="status",
                status=409,
            )
        raise DomainError(
            f"A request that is {request.get_status_display().lower()} cannot become {label}.",
            field="status",
            status=409,
        )


def _status_audit(*, actor, request, before: str, changes: dict, note: str = "") -> None:
    audit_record(
        actor=actor,
        action="partner_request.status",
        target=request,
        case_id=audit_case_id(case=request.case, referral=request.referral),
        changes={"status": [before, request.status], **changes},
        details={"agency": request.agency.name, "kind": request.kind, "note": note}
        if note
        else {"agency": request.agency.name, "kind": request.kind},
    )


def _check_visible(actor, request: PartnerRequest) -> None:
    require_case_worker(actor)
    on_record(actor=actor, case=request.case, referral=request.referral)


def _external_reference_change(
    request: PartnerRequest, external_reference: str | None, changes: dict
) -> None:
    """The other side's reference, when a move brings one that differs (kept in ``changes``)."""
    if external_reference is not None and external_reference.strip() != request.external_reference:
        changes["external_reference"] = [request.external_reference, external_reference.strip()]
        request.external_reference = external_reference.strip()


def _answer_note_add(request: PartnerRequest, note: str) -> str:
    """Append ``note`` to the request's answer note (a log: earlier words stay)."""
    note = (note or "").strip()
    if note:
        request.answer_note = (
            f"{request.answer_note}\n{note}".strip() if request.answer_note else note
        )
    return note


@transaction.atomic
def request_send(
    *,
    actor,
    request: PartnerRequest,
    sent_at: datetime | None = None,
    external_reference: str | None = None,
) -> PartnerRequest:
    """Mark a draft as sent (or, for an incoming request, received): its clocks start."""
    request = _locked(request)
    _check_visible(actor, request)
    _transition(request, RequestStatus.SENT)
    sent_at = not_in_future(sent_at, field="sent_at")
    before = request.status
    request.status = RequestStatus.SENT
    request.sent_at = sent_at
    changes = {"sent_at": [None, sent_at.isoformat()]}
    _external_reference_change(request, external_reference, changes)
    request.save()
    _status_audit(actor=actor, request=request, before=before, changes=changes)
    sent = events.publish(events.RequestSent(request=request, actor=actor))
    # Kept on the returned object so the confirmation can say which clocks started.
    request.started_clocks = sent.started_clocks
    return request


@transaction.atomic
def request_acknowledge(
    *,
    actor,
    request: PartnerRequest,
    acknowledged_at: datetime | None = None,
    external_reference: str | None = None,
) -> PartnerRequest:
    """The other side confirmed receipt (often with their reference)."""
    request = _locked(request)
    _check_visible(actor, request)
    _transition(request, RequestStatus.ACKNOWLEDGED)
    at = not_in_future(acknowledged_at, field="acknowledged_at")
    if at < request.sent_at:
        raise DomainError(
            "Acknowledged before it was sent? Check the time.", field="acknowledged_at"
        )
    before = request.status
    request.status = RequestStatus.ACKNOWLEDGED
    request.acknowledged_at = at
    changes = {"acknowledged_at": [None, at.isoformat()]}
    _external_reference_change(request, external_reference, changes)
    request.save()
    _status_audit(actor=actor, request=request, before=before, changes=changes)
    events.publish(
        events.RequestProgressed(request=request, actor=actor, status=RequestStatus.ACKNOWLEDGED)
    )
    return request


@transaction.atomic
def request_answer(
    *,
    actor,
    request: PartnerRequest,
    outcome: str,
    answered_at: datetime | None = None,
    note: str = "",
    external_reference: str | None = None,
) -> PartnerRequest:
    """Record an answer: partially answered, fulfilled or refused. A final answer meets the
    request's clocks; a request that was never sent cannot be answered."""
    if outcome not in ANSWER_STATUSES:
        raise DomainError("An answer is partially answered, fulfilled or refused.", field="outcome")
    request = _locked(request)
    _check_visible(actor, request)
    _transition(request, outcome)
    at = not_in_future(answered_at, field="answered_at")
    if at < request.sent_at:
        raise DomainError("Answered before it was sent? Check the time.", field="answered_at")
    before = request.status
    changes: dict = {}
    request.status = outcome
    if request.answered_at is None:
        request.answered_at = at
        changes["answered_at"] = [None, at.isoformat()]
    if outcome != RequestStatus.PARTIAL:
        request.closed_at = at
    note = _answer_note_add(request, note)
    _external_reference_change(request, external_reference, changes)
    request.save()
    _status_audit(actor=actor, request=request, before=before, changes=changes, note=note)
    events.publish(events.RequestProgressed(request=request, actor=actor, status=outcome))
    return request


@transaction.atomic
def request_close(
    *, actor, request: PartnerRequest, status: str, at: datetime | None = None, note: str = ""
) -> PartnerRequest:
    """Withdraw a request, or record that it expired unanswered; its clocks stop."""
    if status not in (RequestStatus.WITHDRAWN, RequestStatus.EXPIRED):
        raise DomainError("Close a request as withdrawn or expired.", field="status")
    request = _locked(request)
    _check_visible(actor, request)
    _transition(request, status)
    at = not_in_future(at, field="at")
    before = request.status
    request.status = status
    request.closed_at = at
    note = _answer_note_add(request, note)
    request.save()
    _status_audit(actor=actor, request=request, before=before, changes={}, note=note)
    if before != RequestStatus.DRAFT:
        events.publish(events.RequestProgressed(request=request, actor=actor, status=status))
    return request


def request_change_status(
    *,
    actor,
    request: PartnerRequest,
    status: str,
    at: datetime | None = None,
    note: str = "",
    external_reference: str | None = None,
) -> PartnerRequest:
    """One entry point for the web form and the API: dispatch to the service for ``status``."""
    choice(status, RequestStatus, field="status", what="status")
    if status == RequestStatus.SENT:
        return request_send(
            actor=actor, request=request, sent_at=at, external_reference=external_reference
        )
    if status == RequestStatus.ACKNOWLEDGED:
        return request_acknowledge(
            actor=actor, request=request, acknowledged_at=at, external_reference=external_reference
        )
    if status in ANSWER_STATUSES:
        return request_answer(
            actor=actor,
            request=request,
            outcome=status,
            answered_at=at,
            note=note,
            external_reference=external_reference,
        )
    if status in (RequestStatus.WITHDRAWN, RequestStatus.EXPIRED):
        return request_close(actor=actor, request=request, status=status, at=at, note=note)
    raise DomainError("A request cannot go back to draft.", field="status", status=409)


@transaction.atomic
def request_refer_out(
    *,
    actor,
    agency: Agency,
    summary: str,
    handling_code: str,
    case=None,
    referral=None,
    contact: Contact | None = None,
    sent_at: datetime | None = None,
    external_reference: str = "",
) -> PartnerRequest:
    """Hand a case or a referral to another agency: records what was sent, under which handling
    code, and starts the acknowledgement clock. A referral is also marked referred out."""
    request = request_create(
        actor=actor,
        agency=agency,
        direction=Direction.OUTGOING,
        kind=RequestKind.REFERRAL_OUT,
        summary=summary,
        case=case,
        referral=referral,
        contact=contact,
        handling_code=handling_code,
    )
    request = request_send(
        actor=actor, request=request, sent_at=sent_at, external_reference=external_reference
    )
    if referral is not None:
        # The referral's status is the referrals app's to change.
        referral_mark_referred_out(
            actor=actor,
            referral=referral,
            agency_name=agency.name,
            reference=request.external_reference,
        )
    return request


# --- a case merge ------------------------------------------------------------------------------


@transaction.atomic
def partner_records_move_case(*, actor, duplicate, original) -> dict[str, int]:
    """A merge (``CaseMerged``): the duplicate's requests and communications belong to the
    original from now on."""
    moved = {
        "requests": PartnerRequest.objects.filter(case=duplicate).update(case=original),
        "communications": Communication.objects.filter(case=duplicate).update(case=original),
    }
    audit_record(
        actor=actor,
        action="partner_request.move",
        object_type="cases.case",
        object_id=str(original.pk),
        case_id=original.pk,
        details={"from": duplicate.number, **moved},
    )
    return moved

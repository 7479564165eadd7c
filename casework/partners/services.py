"""State changes for partners: the directory, communications, requests and referrals out.

Each function is one transaction, validates before it writes, and writes its audit event. Work
under a case or a referral is allowed only to someone who can see that record (need-to-know is
decided by the cases and referrals selectors), so a service called from the API or a command
cannot be used to write into a case one cannot read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from casework.accounts.choices import Role
from casework.audit.services import audit_record
from casework.cases.selectors import case_is_visible
from casework.core import events
from casework.core.errors import ConflictError, DomainError, NotFound
from casework.referrals.selectors import referrals_visible_to

from .choices import (
    ANSWER_STATUSES,
    REQUEST_TRANSITIONS,
    AgencyKind,
    Channel,
    Direction,
    HandlingCode,
    LegalBasis,
    RequestKind,
    RequestStatus,
)
from .models import Agency, Communication, Contact, ContactVersion, PartnerRequest, agency_label
from .validators import country_normalise, languages_normalise, time_zone_validate

# Clock skew between a workstation and the server is tolerated; a time further ahead is a typo.
FUTURE_TOLERANCE = timedelta(minutes=5)

CONTACT_FIELDS = (
    "name",
    "role",
    "email",
    "phone",
    "secure_channel",
    "languages",
    "time_zone",
    "active",
)
AGENCY_FIELDS = ("name", "country", "kind", "icse_connected", "duty_line", "notes")


# --- shared checks -----------------------------------------------------------------------------


def _require_directory_editor(actor) -> None:
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DomainError(
            "Only investigators, supervisors and administrators can change the directory.",
            status=403,
        )


def _require_case_worker(actor) -> None:
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise DomainError("Only investigators and supervisors record partner work.", status=403)


def _on_record(*, actor, case, referral) -> dict:
    """The case or referral the work hangs off, checked to be one and visible to the actor."""
    if (case is None) == (referral is None):
        raise DomainError("Record this on a case or on a referral (one of them).", field="case")
    if case is not None and not case_is_visible(user=actor, case=case):
        raise NotFound("No such case that you can see.")
    if referral is not None and not referrals_visible_to(actor).filter(pk=referral.pk).exists():
        raise NotFound("No such referral that you can see.")
    return {"case": case, "referral": referral}


def _audit_case_id(*, case=None, referral=None) -> int | None:
    if case is not None:
        return case.pk
    return referral.case_id if referral is not None else None


def _choice(value: str, choices, *, field: str, what: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise DomainError(f"Unknown {what} {value!r}; choose one of {allowed}.", field=field)
    return value


def _not_in_future(value: datetime | None, *, field: str) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        raise DomainError("Give the time with its time zone.", field=field)
    if value > now + FUTURE_TOLERANCE:
        raise DomainError(
            "That time is in the future; give when it actually happened.", field=field
        )
    return value


def _contact_of(agency: Agency, contact: Contact | None, *, field: str = "contact") -> None:
    if contact is not None and contact.agency_id != agency.pk:
        raise DomainError(
            f"{contact.name} works at {contact.agency.name}, not at {agency.name}; "
            "choose a contact of this agency.",
            field=field,
        )


def _handling(value: str, *, direction: str) -> str:
    value = value or ""
    if value:
        _choice(value, HandlingCode, field="handling_code", what="handling code")
    elif direction == Direction.OUTGOING:
        raise DomainError(
            "Say how far this may travel: a handling code is required on anything sent out.",
            field="handling_code",
        )
    return value


def _summary(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError("Write a short neutral summary.", field="summary")
    return value


# --- directory ---------------------------------------------------------------------------------


def _agency_values(values: dict) -> dict:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise DomainError("Give the agency's name.", field="name")
    if "country" in cleaned:
        cleaned["country"] = country_normalise(cleaned["country"])
    if "kind" in cleaned:
        _choice(cleaned["kind"], AgencyKind, field="kind", what="agency kind")
    for text in ("duty_line", "notes"):
        if text in cleaned:
            cleaned[text] = (cleaned[text] or "").strip()
    if "icse_connected" in cleaned:
        cleaned["icse_connected"] = bool(cleaned["icse_connected"])
    return cleaned


def _agency_unique(*, name: str, country: str, exclude: int | None = None) -> None:
    clash = Agency.objects.filter(name__iexact=name, country=country)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ConflictError(
            f"{agency_label(name, country)} is already in the directory.", field="name"
        )


@transaction.atomic
def agency_create(
    *,
    actor,
    name: str,
    country: str,
    kind: str,
    icse_connected: bool = False,
    duty_line: str = "",
    notes: str = "",
) -> Agency:
    """Add an agency to the shared directory."""
    _require_directory_editor(actor)
    values = _agency_values(
        {
            "name": name,
            "country": country,
            "kind": kind,
            "icse_connected": icse_connected,
            "duty_line": duty_line,
            "notes": notes,
        }
    )
    _agency_unique(name=values["name"], country=values["country"])
    agency = Agency.objects.create(created_by=actor, **values)
    audit_record(
        actor=actor,
        action="agency.create",
        target=agency,
        changes={key: [None, value] for key, value in values.items() if value not in ("", None)},
    )
    return agency


@transaction.atomic
def agency_update(*, actor, agency: Agency, **changes) -> Agency:
    """Change an agency's details; ``duty_contact`` must be a contact of the agency."""
    _require_directory_editor(actor)
    unknown = set(changes) - {*AGENCY_FIELDS, "duty_contact"}
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    values = _agency_values({k: v for k, v in changes.items() if k != "duty_contact"})
    if "duty_contact" in changes:
        duty = changes["duty_contact"]
        _contact_of(agency, duty, field="duty_contact")
        if duty is not None and not duty.active:
            raise DomainError(
                f"{duty.name} is marked inactive; a 24/7 contact must be active.",
                field="duty_contact",
            )
        values["duty_contact"] = duty
    if "name" in values or "country" in values:
        _agency_unique(
            name=values.get("name", agency.name),
            country=values.get("country", agency.country),
            exclude=agency.pk,
        )
    diff = {}
    for key, value in values.items():
        before = getattr(agency, key)
        if before != value:
            diff[key] = [_plain(before), _plain(value)]
            setattr(agency, key, value)
    if diff:
        agency.save()
        audit_record(actor=actor, action="agency.update", target=agency, changes=diff)
    return agency


def _plain(value):
    if isinstance(value, Contact):
        return value.name
    return value


def _contact_values(values: dict) -> dict:
    cleaned = dict(values)
    for text in ("name", "role", "email", "phone", "secure_channel"):
        if text in cleaned:
            cleaned[text] = (cleaned[text] or "").strip()
    if "name" in cleaned and not cleaned["name"]:
        raise DomainError("Give the contact's name.", field="name")
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError as error:
            raise DomainError(
                f"{cleaned['email']!r} is not an e-mail address.", field="email"
            ) from (error)
    if "languages" in cleaned:
        cleaned["languages"] = languages_normalise(cleaned["languages"])
    if "time_zone" in cleaned:
        cleaned["time_zone"] = time_zone_validate(cleaned["time_zone"])
    if "active" in cleaned:
        cleaned["active"] = bool(cleaned["active"])
    return cleaned


def _contact_snapshot(contact: Contact) -> dict:
    return {key: getattr(contact, key) for key in CONTACT_FIELDS}


@transaction.atomic
def contact_create(
    *,
    actor,
    agency: Agency,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
    secure_channel: str = "",
    languages=(),
    time_zone: str = "",
    active: bool = True,
) -> Contact:
    """Add a person at an agency; version 1 of their history is kept."""
    _require_directory_editor(actor)
    values = _contact_values(
        {
            "name": name,
            "role": role,
            "email": email,
            "phone": phone,
            "secure_channel": secure_channel,
            "languages": list(languages) if not isinstance(languages, str) else languages,
            "time_zone": time_zone,
            "active": active,
        }
    )
    contact = Contact.objects.create(agency=agency, version=1, **values)
    ContactVersion.objects.create(
        contact=contact,
        version=1,
        snapshot=_contact_snapshot(contact),
        changed_by=actor,
        changed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="contact.create",
        target=contact,
        changes={
            key: [None, value] for key, value in values.items() if value not in ("", None, [])
        },
        details={"agency": agency.name},
    )
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, **changes) -> Contact:
    """Change a contact. The earlier version stays in ``ContactVersion`` and the audit event
    carries each changed field as ``[before, after]``. Nothing changes: nothing is written."""
    _require_directory_editor(actor)
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    contact = Contact.objects.select_for_update().select_related("agency").get(pk=contact.pk)
    values = _contact_values(changes)
    if values.get("active") is False and contact.agency.duty_contact_id == contact.pk:
        raise DomainError(
            f"{contact.name} is the 24/7 contact of {contact.agency.name}; "
            "name another 24/7 contact first.",
            field="active",
        )
    diff = {}
    for key, value in values.items():
        before = getattr(contact, key)
        if before != value:
            diff[key] = [before, value]
            setattr(contact, key, value)
    if not diff:
        return contact
    contact.version += 1
    contact.save()
    ContactVersion.objects.create(
        contact=contact,
        version=contact.version,
        snapshot=_contact_snapshot(contact),
        changed_by=actor,
        changed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="contact.update",
        target=contact,
        changes=diff,
        details={"agency": contact.agency.name, "version": contact.version},
    )
    return contact


# --- communications ----------------------------------------------------------------------------


@transaction.atomic
def communication_record(
    *,
    actor,
    agency: Agency,
    direction: str,
    channel: str,
    summary: str,
    case=None,
    referral=None,
    contact: Contact | None = None,
    handling_code: str = "",
    occurred_at: datetime | None = None,
    request: PartnerRequest | None = None,
) -> Communication:
    """Log one exchange with a partner on a case or referral."""
    _require_case_worker(actor)
    record = _on_record(actor=actor, case=case, referral=referral)
    _choice(direction, Direction, field="direction", what="direction")
    _choice(channel, Channel, field="channel", what="channel")
    _contact_of(agency, contact)
    handling_code = _handling(handling_code, direction=direction)
    summary = _summary(summary)
    occurred_at = _not_in_future(occurred_at, field="occurred_at")
    if request is not None and (
        request.case_id != (case.pk if case else None)
        or request.referral_id != (referral.pk if referral else None)
    ):
        raise DomainError("That request belongs to another record.", field="request")
    communication = Communication.objects.create(
        **record,
        agency=agency,
        contact=contact,
        direction=direction,
        channel=channel,
        summary=summary,
        handling_code=handling_code,
        occurred_at=occurred_at,
        request=request,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="communication.create",
        target=communication,
        case_id=_audit_case_id(**record),
        details={
            "agency": agency.name,
            "direction": direction,
            "channel": channel,
            "handling_code": handling_code,
            "referral": referral.pk if referral else None,
        },
    )
    return communication


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
    _require_case_worker(actor)
    record = _on_record(actor=actor, case=case, referral=referral)
    _choice(direction, Direction, field="direction", what="direction")
    _choice(kind, RequestKind, field="kind", what="request kind")
    _choice(legal_basis, LegalBasis, field="legal_basis", what="legal basis")
    _contact_of(agency, contact)
    handling_code = _handling(handling_code, direction=direction)
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
        summary=_summary(summary),
        external_reference=(external_reference or "").strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="partner_request.create",
        target=request,
        case_id=_audit_case_id(**record),
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
        case_id=_audit_case_id(case=request.case, referral=request.referral),
        changes={"status": [before, request.status], **changes},
        details={"agency": request.agency.name, "kind": request.kind, "note": note}
        if note
        else {"agency": request.agency.name, "kind": request.kind},
    )


def _check_visible(actor, request: PartnerRequest) -> None:
    _require_case_worker(actor)
    _on_record(actor=actor, case=request.case, referral=request.referral)


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
    sent_at = _not_in_future(sent_at, field="sent_at")
    before = request.status
    request.status = RequestStatus.SENT
    request.sent_at = sent_at
    changes = {"sent_at": [None, sent_at.isoformat()]}
    if external_reference is not None and external_reference.strip() != request.external_reference:
        changes["external_reference"] = [request.external_reference, external_reference.strip()]
        request.external_reference = external_reference.strip()
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
    at = _not_in_future(acknowledged_at, field="acknowledged_at")
    if at < request.sent_at:
        raise DomainError(
            "Acknowledged before it was sent? Check the time.", field="acknowledged_at"
        )
    before = request.status
    request.status = RequestStatus.ACKNOWLEDGED
    request.acknowledged_at = at
    changes = {"acknowledged_at": [None, at.isoformat()]}
    if external_reference is not None and external_reference.strip() != request.external_reference:
        changes["external_reference"] = [request.external_reference, external_reference.strip()]
        request.external_reference = external_reference.strip()
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
    at = _not_in_future(answered_at, field="answered_at")
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
    note = (note or "").strip()
    if note:
        request.answer_note = (
            f"{request.answer_note}\n{note}".strip() if request.answer_note else note
        )
    if external_reference is not None and external_reference.strip() != request.external_reference:
        changes["external_reference"] = [request.external_reference, external_reference.strip()]
        request.external_reference = external_reference.strip()
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
    at = _not_in_future(at, field="at")
    before = request.status
    request.status = status
    request.closed_at = at
    note = (note or "").strip()
    if note:
        request.answer_note = (
            f"{request.answer_note}\n{note}".strip() if request.answer_note else note
        )
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
    _choice(status, RequestStatus, field="status", what="status")
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
        _referral_mark_referred_out(
            actor=actor,
            referral=referral,
            agency_name=agency.name,
            reference=request.external_reference,
        )
    return request


def _referral_mark_referred_out(*, actor, referral, agency_name: str, reference: str) -> None:
    """Adapter to the referrals app's service (its status is the referrals app's to change)."""
    from casework.referrals import services as referral_services

    mark = getattr(referral_services, "referral_mark_referred_out", None)
    if mark is None:  # pragma: no cover - the referrals service has not landed
        raise DomainError(
            "Referring a referral out is not available yet; refer out its case instead.",
            field="referral",
        )
    mark(actor=actor, referral=referral, agency_name=agency_name, reference=reference)


__all__ = [
    "agency_create",
    "agency_update",
    "communication_record",
    "contact_create",
    "contact_update",
    "request_acknowledge",
    "request_answer",
    "request_change_status",
    "request_close",
    "request_create",
    "request_refer_out",
    "request_send",
]


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

"""Release and disposal: two people. One asks, a different supervisor of the unit countersigns;
only then is the event written, with both names. Threat: a disposal one person decided alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core.errors import ConflictError, DomainError
from casework.core.notifications import notify

from ..choices import FINAL_KINDS, EventKind, SignOffState
from ..models import CustodyEvent, CustodySignOff, EvidenceItem
from .access import require_case_worker
from .events import append_event, check_chain, clean_fields, lock_item

# What a release or disposal request may carry (kept as JSON until countersigned).
SIGN_OFF_FIELDS = (
    "started_at",
    "ended_at",
    "local_offset_minutes",
    "place",
    "external_party",
    "purpose",
    "authority",
    "transport_method",
    "tracking_number",
    "note",
)


def _load_sign_off_fields(raw: dict[str, Any]) -> dict[str, Any]:
    fields = dict(raw)
    for name in ("started_at", "ended_at"):
        if fields.get(name):
            fields[name] = parse_datetime(fields[name])
    return fields


@transaction.atomic
def signoff_request(
    *,
    actor: User,
    item: EvidenceItem,
    kind: str,
    started_at: datetime | None,
    expected_last_event: int | None = None,
    **details: Any,
) -> CustodySignOff:
    """Ask for a release or disposal; it happens when another supervisor countersigns."""
    require_person(actor, "ask for a release or disposal")
    require_case_worker(actor, item.case)
    if kind not in FINAL_KINDS:
        raise DomainError("Only release and disposal need a second signature.", field="kind")
    locked = lock_item(item, expected_last_event)
    unknown = set(details) - set(SIGN_OFF_FIELDS)
    if unknown:
        raise DomainError(f"Unknown details: {', '.join(sorted(unknown))}.")
    offset = int(details.pop("local_offset_minutes", 0) or 0)
    ended_at = details.pop("ended_at", None)
    fields = clean_fields(details)
    check_chain(
        item=locked,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        actor=actor,
        fields=fields,
    )
    if CustodySignOff.objects.filter(item=locked, state=SignOffState.PENDING).exists():
        raise ConflictError(
            f"A release or disposal of exhibit {locked.exhibit_number} is already awaiting a "
            "second signature.",
            field="kind",
        )
    fields.pop("seal_numbers", None)
    payload = {
        **fields,
        "started_at": started_at.isoformat(),
        "ended_at": ended_at.isoformat() if ended_at else None,
        "local_offset_minutes": offset,
        "expected_last_event": locked.last_event_id,
    }
    sign_off = CustodySignOff.objects.create(
        item=locked, kind=kind, fields=payload, requested_by=actor
    )
    audit_record(
        actor=actor,
        action="custody_signoff.request",
        target=sign_off,
        case_id=locked.case_id,
        details={"exhibit": locked.exhibit_number, "kind": kind},
    )
    _ask_supervisors(actor=actor, sign_off=sign_off)
    return sign_off


def _ask_supervisors(*, actor: User, sign_off: CustodySignOff) -> None:
    """Every other supervisor of the unit hears that a second signature is needed."""
    item = sign_off.item
    supervisors = User.objects.filter(
        unit_id=item.case.unit_id,
        is_active=True,
        is_service_account=False,
        groups__name=Role.SUPERVISOR,
    ).exclude(pk=actor.pk)
    notify(
        recipients=supervisors,
        kind="custody.sign_off",
        subject=f"Second signature needed: {EventKind(sign_off.kind).label.lower()} of exhibit "
        f"{item.exhibit_number} ({item.case.number})",
        link=reverse("custody:item", kwargs={"public_id": item.public_id}),
        dedupe_key=f"custody.sign_off:{sign_off.pk}",
        email=False,
    )


def _require_second_signer(actor: User, sign_off: CustodySignOff) -> None:
    require_person(actor, "countersign a release or disposal")
    case = sign_off.item.case
    if not actor.is_active or not actor.has_role(Role.SUPERVISOR) or actor.unit_id != case.unit_id:
        raise DomainError(
            f"Only a supervisor of {case.unit.name} can countersign this.", status=403
        )
    if actor.pk == sign_off.requested_by_id:
        raise DomainError(
            "The second signature must come from a different person than the request.",
            status=403,
        )
    if sign_off.state != SignOffState.PENDING:
        raise ConflictError("This request has already been decided.")


@transaction.atomic
def signoff_countersign(*, actor: User, sign_off: CustodySignOff) -> CustodyEvent:
    """A second supervisor signs: the release or disposal event is written with both names."""
    sign_off = CustodySignOff.objects.select_for_update().get(pk=sign_off.pk)
    _require_second_signer(actor, sign_off)
    fields = _load_sign_off_fields(sign_off.fields)
    expected = fields.pop("expected_last_event", None)
    started_at = fields.pop("started_at")
    ended_at = fields.pop("ended_at", None)
    offset = fields.pop("local_offset_minutes", 0)
    locked = lock_item(sign_off.item, expected)
    check_chain(
        item=locked,
        kind=sign_off.kind,
        started_at=started_at,
        ended_at=ended_at,
        actor=actor,
        fields=fields,
    )
    event = append_event(
        actor=sign_off.requested_by,
        item=locked,
        kind=sign_off.kind,
        started_at=started_at,
        ended_at=ended_at,
        local_offset_minutes=offset,
        released_by=locked.current_holder,
        received_by=None,
        change_made_by=None,
        corrects=None,
        fields=fields,
        second_signature_by=actor,
    )
    sign_off.state = SignOffState.SIGNED
    sign_off.decided_by = actor
    sign_off.decided_at = event.second_signed_at
    sign_off.event = event
    sign_off.save(update_fields=["state", "decided_by", "decided_at", "event", "updated_at"])
    audit_record(
        actor=actor,
        action="custody_signoff.countersign",
        target=sign_off,
        case_id=locked.case_id,
        details={"exhibit": locked.exhibit_number, "kind": sign_off.kind},
    )
    return event


@transaction.atomic
def signoff_refuse(*, actor: User, sign_off: CustodySignOff, reason: str = "") -> CustodySignOff:
    """A supervisor refuses the release or disposal; nothing happens to the item."""
    sign_off = CustodySignOff.objects.select_for_update().get(pk=sign_off.pk)
    _require_second_signer(actor, sign_off)
    sign_off.state = SignOffState.REFUSED
    sign_off.decided_by = actor
    sign_off.decided_at = timezone.now()
    sign_off.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="custody_signoff.refuse",
        target=sign_off,
        case_id=sign_off.item.case_id,
        details={"exhibit": sign_off.item.exhibit_number, "reason": reason.strip()},
    )
    return sign_off

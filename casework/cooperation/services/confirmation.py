"""Confirming hits: ours after speaking to the partner (then sent to their installation), and
theirs on one of our handles (received over the API). Both audited as ``pointers.hit_confirm``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid

from cryptography.exceptions import InvalidSignature
from django.db import transaction
from django.utils import timezone

from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.cases.selectors import case_visibility_q
from casework.core.errors import DomainError, NotFound
from casework.partners.key_models import PartnerInstallation, PartnerKey
from casework.partners.key_services import parse_public_key

from .. import conf, tasks
from .. import pointer_format as fmt
from ..choices import HitState
from ..models import OutgoingPointer, PointerHit


@transaction.atomic
def pointer_hit_confirm(*, actor, case_number: str, hit_id: int) -> PointerHit:
    """Our side confirms a hit after speaking to the partner: recorded, audited, and sent to the
    partner's installation (when it has an API address) so it is recorded there too."""
    require_person(actor, "confirm a deconfliction hit")
    hit = (
        PointerHit.objects.select_for_update(of=("self",))
        .select_related("case", "installation")
        .filter(pk=hit_id, case__number=case_number)
        .filter(case__in=Case.objects.filter(case_visibility_q(actor)))
        .first()
    )
    if hit is None:
        raise NotFound("No such hit on a case you can see.")
    case = hit.case
    if not (
        case.lead_id == actor.pk
        or actor.has_role("supervisor")
        or case.assignments.filter(user=actor).exists()
    ):
        raise DomainError(
            "Only the case's lead, an assignee or a supervisor confirms a hit.", status=403
        )
    if hit.confirmed_at is not None:
        return hit
    hit.confirmed_at, hit.confirmed_by, hit.state = timezone.now(), actor, HitState.CONFIRMED
    hit.save(update_fields=["confirmed_at", "confirmed_by", "state", "updated_at"])
    audit_record(
        actor=actor,
        action="pointers.hit_confirm",
        target=hit,
        case_id=case.pk,
        details={"issuer": hit.installation.issuer, "side": "ours"},
    )
    if hit.installation.url:
        # ``tasks`` sends through ``client``, which calls this package: the task is looked up
        # here, when it runs, never while the modules import each other.
        transaction.on_commit(lambda: tasks.send_confirmation.delay(hit.pk))
    return hit


def confirmation_message(hit: PointerHit) -> bytes:
    """What we send the partner: their handle, our handle for the identifier, signed."""
    key = conf.signing_key()
    ours = (
        OutgoingPointer.objects.filter(identifier_id=hit.identifier_id)
        .values_list("handle", flat=True)
        .first()
    )
    body = {
        "confirmed": fmt.timestamp(hit.confirmed_at or timezone.now()),
        "handle": hit.partner_handle.hex,
        "issuer": conf.issuer(),
        "key_id": conf.signing_key_id(key),
        "their_handle": ours.hex if ours else "",
    }
    payload = fmt.canonical(body)
    signature = key.sign(fmt.SIGNED_PREFIX + hashlib.sha256(payload).hexdigest().encode())
    return fmt.canonical({"confirmation": body, "signature": base64.b64encode(signature).decode()})


def _confirmation_read(message: bytes) -> tuple[dict, bytes, uuid.UUID, uuid.UUID | None, str]:
    """The confirmation's body, signature, our handle, their handle (if given) and key id."""
    try:
        envelope = json.loads(message.decode("utf-8"))
        body = envelope["confirmation"]
        signature = base64.b64decode(envelope["signature"], validate=True)
        handle = uuid.UUID(hex=str(body["handle"]))
        their_handle = (
            uuid.UUID(hex=str(body["their_handle"])) if body.get("their_handle") else None
        )
        key_id = str(body["key_id"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error):
        raise DomainError(
            "Send a confirmation as Casework writes it (docs/cooperation.md).", field="confirmation"
        ) from None
    return body, signature, handle, their_handle, key_id


def _confirmation_verify(
    *, installation: PartnerInstallation, key_id: str, body: dict, signature: bytes
) -> None:
    key = PartnerKey.objects.filter(
        key_id=key_id, installation=installation, revoked_at__isnull=True
    ).first()
    if key is None or installation.is_revoked:
        raise DomainError(
            "This confirmation is not signed by a key of yours that we trust.",
            field="signature",
            status=403,
        )
    _, public_key = parse_public_key(key.public_key)
    try:
        public_key.verify(
            signature, fmt.SIGNED_PREFIX + hashlib.sha256(fmt.canonical(body)).hexdigest().encode()
        )
    except InvalidSignature:
        raise DomainError(
            "The confirmation's signature does not verify.", field="signature", status=403
        ) from None


@transaction.atomic
def pointer_confirmation_receive(
    *, actor, installation: PartnerInstallation, message: bytes
) -> PointerHit | None:
    """A partner confirms, over the API, a hit on one of *our* handles: recorded on our side.

    The hit we hold for the same pair (if we imported their set and matched it) is marked
    confirmed by the partner; otherwise a hit is recorded from their current set's pointer."""
    body, signature, handle, their_handle, key_id = _confirmation_read(message)
    _confirmation_verify(installation=installation, key_id=key_id, body=body, signature=signature)
    ours = OutgoingPointer.objects.select_related("identifier__case").filter(handle=handle).first()
    if ours is None:
        raise NotFound("We sent no pointer with this handle.")
    identifier = ours.identifier
    hits = PointerHit.objects.select_for_update().filter(
        identifier=identifier, installation=installation
    )
    if their_handle is not None:
        hits = hits.filter(partner_handle=their_handle)
    hit = hits.first()
    if hit is None:
        raise NotFound("We hold no hit for this pointer: import our partner's current set first.")
    hit.partner_confirmed_at = timezone.now()
    hit.save(update_fields=["partner_confirmed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="pointers.hit_confirm",
        target=hit,
        case_id=identifier.case_id,
        details={"issuer": installation.issuer, "side": "partner"},
    )
    return hit

"""Identifiers on cases; every addition is deconflicted against every other case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent, normalise_identifier
from casework.privacy.crypto import protect_identifier
from casework.privacy.models import KeyScope
from casework.privacy.services import data_key_cipher

from ..deconfliction import identifier_deconflict
from ..models import Case, CaseIdentifier, CaseSubject
from ._access import require_case_worker, require_not_closed


@transaction.atomic
def case_identifier_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    raw: str,
    service: str = "",
    device_kind: str = "",
    ip_event: str = "",
    observed_at: datetime | None = None,
    port: int | None = None,
    source_referral_id: int | None = None,
    subject: CaseSubject | None = None,
) -> CaseIdentifier:
    """Record an identifier on a case and deconflict it against every other case.

    The raw form is kept as given; the normal form is what is compared. The same identifier
    twice on one case is refused (409). The deconfliction matches are available afterwards as
    ``identifier.matches`` (a list of ``DeconflictionMatch``) so the caller can show them.
    """
    require_case_worker(actor, case)
    require_not_closed(case)
    if subject is not None and subject.case_id != case.pk:
        raise DomainError("That subject belongs to another case.", field="subject")
    _check_kinds(kind=kind, device_kind=device_kind, ip_event=ip_event, port=port)
    raw = (raw or "").strip()
    normal = normalise_identifier(kind, raw, service=service, device_kind=device_kind)
    if len(raw) > 500 or len(normal) > 500:
        raise DomainError("An identifier has at most 500 characters.", field="value")
    service = service.strip()
    protected = protect_identifier(
        columns=CaseIdentifier.privacy_columns(),
        owner=f"case:{case.pk}",
        aead=data_key_cipher(KeyScope.CASE, case.pk),
        kind=kind,
        raw=raw,
        normal=normal,
        service=service,
    )
    if CaseIdentifier.objects.filter(
        case=case, kind=kind, fingerprint=protected.fingerprint
    ).exists():
        raise ConflictError(f"{case.number} already holds this identifier.", field="value")
    identifier = CaseIdentifier.objects.create(
        case=case,
        kind=kind,
        raw_value_ct=protected.raw_ct,
        normal_value_ct=protected.normal_ct,
        fingerprint=protected.fingerprint,
        name_fingerprint=protected.name_fingerprint,
        service=service,
        device_kind=device_kind if kind == IdentifierKind.DEVICE_ID else "",
        ip_event=ip_event,
        observed_at=observed_at,
        port=port,
        added_by=actor,
        source_referral_id=source_referral_id,
        subject=subject,
    )
    audit_record(
        actor=actor,
        action="case_identifier.create",
        target=identifier,
        case_id=case.pk,
        # The ledger is append-only: it keeps the keyed fingerprint, never the value, so that
        # destroying the case's data key leaves nothing of the value readable.
        changes={"kind": [None, kind], "fingerprint": [None, protected.fingerprint.hex()]},
        details={"source_referral_id": source_referral_id} if source_referral_id else None,
    )
    matches = identifier_deconflict(
        actor=actor,
        kind=kind,
        normal_value=normal,
        exclude_case=case,
        context_label=f"case {case.number}",
    )
    identifier.matches = matches
    events.publish(events.IdentifierAdded(identifier=identifier, actor=actor))
    return identifier


def _check_kinds(*, kind: str, device_kind: str, ip_event: str, port: int | None) -> None:
    if kind not in IdentifierKind.values:
        raise DomainError(f"Unknown identifier kind {kind!r}.", field="kind")
    if device_kind and device_kind not in DeviceIdKind.values:
        raise DomainError(f"Unknown device id type {device_kind!r}.", field="device_kind")
    if ip_event and ip_event not in IpEvent.values:
        raise DomainError(f"Unknown IP event {ip_event!r}.", field="ip_event")
    if kind != IdentifierKind.IP_ADDRESS and (ip_event or port is not None):
        raise DomainError("Event and port belong to IP addresses only.", field="ip_event")
    if port is not None and not 0 <= port <= 65535:
        raise DomainError("A port is a number from 0 to 65535.", field="port")

"""Registering and revoking partner installations and their public keys (administrators only).

Every act here is audited: which key was trusted, by whom, and when it stopped being trusted is
what an auditor needs to judge a pointer set received months ago.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.validation import text_problem

from .key_models import PartnerInstallation, PartnerKey
from .models import Agency

ISSUER_MAX = 200
REASON_MAX = 500


def key_id_of(raw_public_key: bytes) -> str:
    """The key id files and pages name a key by: 16 hex digits of SHA-256 of the raw key."""
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def parse_public_key(text: str) -> tuple[bytes, Ed25519PublicKey]:
    """The raw bytes and key from the base64 of a raw 32-byte Ed25519 public key."""
    text = (text or "").strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise DomainError(
            "Give the partner's Ed25519 public key as the base64 of its 32 raw bytes "
            "(44 characters ending in '=').",
            field="public_key",
        )
    return raw, Ed25519PublicKey.from_public_bytes(raw)


def _require_administrator(actor: User) -> None:
    require_person(actor, "manage partner keys")
    if not (actor.has_role("administrator") or actor.is_superuser):
        raise DomainError("Only an administrator manages partner keys.", status=403)


def _clean(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError("This is required.", field=field)
    problem = text_problem(value, max_length=max_length)
    if problem:
        raise DomainError(problem, field=field)
    return value


@transaction.atomic
def partner_installation_register(
    *,
    actor: User,
    agency: Agency,
    issuer: str,
    public_key: str,
    url: str = "",
    service_account: User | None = None,
) -> PartnerKey:
    """Trust ``agency``'s installation (named ``issuer`` in its files) with its first key."""
    _require_administrator(actor)
    issuer = _clean(issuer, field="issuer", max_length=ISSUER_MAX)
    url = _clean(url, field="url", max_length=200, required=False)
    if url and not url.startswith("https://") and not url.startswith("http://"):
        raise DomainError("Give the address starting with https://.", field="url")
    if service_account is not None and not service_account.is_service_account:
        raise DomainError("Choose a service account, not a person.", field="service_account")
    if PartnerInstallation.objects.filter(agency=agency).exists():
        raise ConflictError(f"{agency} already has an installation registered.", field="agency")
    if PartnerInstallation.objects.filter(issuer=issuer).exists():
        raise ConflictError("Another partner already uses that issuer name.", field="issuer")
    installation = PartnerInstallation.objects.create(
        agency=agency, issuer=issuer, url=url, service_account=service_account, created_by=actor
    )
    audit_record(
        actor=actor,
        action="partner_installation.create",
        target=installation,
        changes={"issuer": [None, issuer], "agency": [None, str(agency)], "url": [None, url]},
    )
    return _key_add(actor=actor, installation=installation, public_key=public_key)


@transaction.atomic
def partner_key_add(
    *, actor: User, installation: PartnerInstallation, public_key: str
) -> PartnerKey:
    """Add a key to a partner (a rotation: the old key stays valid until revoked)."""
    _require_administrator(actor)
    if installation.is_revoked:
        raise DomainError("This partnership was revoked; register it anew.", field="public_key")
    return _key_add(actor=actor, installation=installation, public_key=public_key)


def _key_add(*, actor: User, installation: PartnerInstallation, public_key: str) -> PartnerKey:
    raw, _ = parse_public_key(public_key)
    key_id = key_id_of(raw)
    if PartnerKey.objects.filter(key_id=key_id).exists():
        raise ConflictError("That key is registered already.", field="public_key")
    key = PartnerKey.objects.create(
        installation=installation,
        key_id=key_id,
        public_key=base64.b64encode(raw).decode(),
        added_by=actor,
    )
    audit_record(
        actor=actor,
        action="partner_key.create",
        target=key,
        details={"issuer": installation.issuer, "key_id": key_id},
    )
    return key


@transaction.atomic
def partner_key_revoke(*, actor: User, key: PartnerKey, reason: str) -> PartnerKey:
    """Stop trusting one key: sets it signs from now on are refused."""
    _require_administrator(actor)
    reason = _clean(reason, field="reason", max_length=REASON_MAX)
    key = PartnerKey.objects.select_for_update().get(pk=key.pk)
    if key.is_revoked:
        raise ConflictError("This key is revoked already.", field="reason")
    key.revoked_at, key.revoked_by, key.revoked_reason = timezone.now(), actor, reason
    key.save(update_fields=["revoked_at", "revoked_by", "revoked_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="partner_key.revoke",
        target=key,
        reason=reason,
        details={"issuer": key.installation.issuer, "key_id": key.key_id},
    )
    return key


@transaction.atomic
def partner_installation_revoke(
    *, actor: User, installation: PartnerInstallation, reason: str
) -> PartnerInstallation:
    """End the partnership: every key revoked, their sets refused from now on.

    The partner's pointers are deleted by ``casework.cooperation`` in reaction to the
    ``partner.revoked`` event, in this transaction."""
    _require_administrator(actor)
    reason = _clean(reason, field="reason", max_length=REASON_MAX)
    installation = PartnerInstallation.objects.select_for_update().get(pk=installation.pk)
    if installation.is_revoked:
        raise ConflictError("This partnership is revoked already.", field="reason")
    now = timezone.now()
    installation.revoked_at, installation.revoked_by = now, actor
    installation.revoked_reason = reason
    installation.save(update_fields=["revoked_at", "revoked_by", "revoked_reason", "updated_at"])
    installation.keys.filter(revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoked_reason=reason, updated_at=now
    )
    audit_record(
        actor=actor,
        action="partner_installation.revoke",
        target=installation,
        reason=reason,
        details={"issuer": installation.issuer},
    )
    events.publish(events.PartnerRevoked(installation=installation, actor=actor))
    return installation

"""Passkeys (WebAuthn/FIDO2) as a second factor beside TOTP, through django-otp-webauthn.

Threat: phishing. A TOTP code typed into a look-alike site can be replayed by the attacker within
its thirty seconds; a passkey signs a challenge bound to Casework's own host name
(``OTP_WEBAUTHN_RP_ID``), so the browser will not use it for any other site. A passkey is a
second factor only (the password step, its lock-out and its audit stay in front), and it is
enrolled only from a session that has already passed two-factor sign-in, so a stolen password
cannot add the thief's own passkey. Every enrolment, use, failure, revocation and reset is
audited.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django_otp_webauthn.models import WebAuthnCredential

from casework.audit.choices import Outcome
from casework.audit.services import audit_record
from casework.core.errors import DomainError, NotFound

from .models import User
from .services import _require_administrator

NAME_MAX_LENGTH = 64


def passkeys_of(*, user: User) -> QuerySet[WebAuthnCredential]:
    """The user's enrolled passkeys, most recently used first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
        "-last_used_at", "-created_at", "-id"
    )


def passkey_name_check(*, user: User, name: str) -> str:
    """The name a new passkey will carry, or ``DomainError``: each of a user's passkeys is
    named differently, so the list says which device is which."""
    name = " ".join(name.split())
    if passkeys_of(user=user).filter(name__iexact=name).exists():
        raise DomainError(
            f"You already have a passkey named {name}. Give this one another name.", field="name"
        )
    return name


@transaction.atomic
def passkey_enrol(*, user: User, helper, state: dict, data: dict, name: str) -> WebAuthnCredential:
    """Verify the browser's attestation and keep the new passkey under ``name``.

    ``helper`` is django-otp-webauthn's, which checks the challenge, the origin and the relying
    party ID; its errors pass through unchanged."""
    name = passkey_name_check(user=user, name=name)
    credential = helper.register_complete(user=user, state=state, data=data)
    credential.name = name
    credential.save(update_fields=["name"])
    audit_record(
        actor=user,
        action="auth.passkey_enrolled",
        target=user,
        details={"passkey": credential.pk, "name": name},
    )
    return credential


@transaction.atomic
def passkey_verified(*, user: User, credential: WebAuthnCredential) -> None:
    audit_record(
        actor=user,
        action="auth.two_factor_verified",
        target=user,
        details={"method": "passkey", "passkey": credential.pk, "name": credential.name},
    )


@transaction.atomic
def passkey_failed(*, user: User, reason: str) -> None:
    audit_record(
        actor=user,
        action="auth.two_factor_failed",
        target=user,
        outcome=Outcome.REFUSED,
        details={"method": "passkey", "reason": reason},
    )


@transaction.atomic
def passkey_revoke(*, user: User, passkey_id: int) -> str:
    """The user removes one of their own passkeys (a lost key, a replaced laptop)."""
    credential = (
        WebAuthnCredential.objects.select_for_update().filter(user=user, pk=passkey_id).first()
    )
    if credential is None:
        raise NotFound("That passkey does not exist or is not yours.")
    name = credential.name
    credential.delete()
    audit_record(
        actor=user,
        action="auth.passkey_revoked",
        target=user,
        details={"passkey": passkey_id, "name": name},
    )
    return name


@transaction.atomic
def passkeys_reset(*, user: User, actor: User) -> int:
    """An administrator removes all of a user's passkeys (a lost security key, a departure).

    The user keeps their authenticator app; sessions verified with a removed passkey stop
    counting as verified at their next request (django-otp looks the device up each time)."""
    _require_administrator(actor, "Only an administrator can remove a user's passkeys.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    removed = list(WebAuthnCredential.objects.filter(user=user).values_list("pk", "name"))
    WebAuthnCredential.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action="user.passkeys_reset",
        target=user,
        details={"username": user.username, "passkeys_removed": [name for _pk, name in removed]},
    )
    return len(removed)

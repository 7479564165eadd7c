"""Service accounts and their API tokens.

Threat: a long-lived secret pasted into an integration's configuration, copied, forgotten, and
still working years later for whoever finds it; and a person's token that outlives the person's
access. Tokens therefore belong to named service accounts, never to people; each has an expiry,
is stored only as a hash, is shown once, and is created, rotated and revoked by an
administrator, every time audited. What a service account does through the API is audited with
the service account as the actor.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from casework.audit.services import audit_record
from casework.core.errors import DomainError

from .choices import Role
from .models import ApiToken, ServiceAccount, Unit, User
from .services import _require_administrator

# A visible prefix tells a Casework token from a legacy personal one (and lets secret scanners
# recognise a leaked one).
TOKEN_PREFIX = "cwt_"
USERNAME_PREFIX = "svc-"
# Refreshing ``last_used_at`` on every request would make every API read a write.
LAST_USED_EVERY = timedelta(minutes=1)
# Administration happens in person, with a second factor; no token may carry it.
SERVICE_ROLES = (Role.INVESTIGATOR, Role.SUPERVISOR, Role.AUDITOR)
ROLES_NEEDING_A_UNIT = (Role.INVESTIGATOR, Role.SUPERVISOR)


class TokenRefused(Exception):
    """The presented token may not act; the message says why, in words the caller can act on."""


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _expiry(days: int | None, now: datetime) -> datetime:
    days = settings.CASEWORK_API_TOKEN_DAYS if days is None else days
    limit = settings.CASEWORK_API_TOKEN_MAX_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
        raise DomainError(
            f"A token lives from 1 to {limit} days.", field="expires_in_days", status=400
        )
    return now + timedelta(days=days)


def service_accounts_for(*, user: User) -> QuerySet[ServiceAccount]:
    """Every service account with its role, unit and tokens, newest first: administrators only."""
    if not (user.has_role(Role.ADMINISTRATOR) or user.is_superuser):
        return ServiceAccount.objects.none()
    return ServiceAccount.objects.select_related("user", "user__unit").prefetch_related(
        "user__groups",
        Prefetch("tokens", queryset=ApiToken.objects.select_related("created_by")),
    )


@transaction.atomic
def service_account_create(
    *,
    name: str,
    role: str,
    unit: Unit | None,
    actor: User,
    description: str = "",
    expires_in_days: int | None = None,
) -> tuple[ServiceAccount, str]:
    """A new service account and its first token; returns the token's secret (shown once)."""
    _require_administrator(actor, "Only an administrator can create a service account.")
    if role not in SERVICE_ROLES:
        raise DomainError(
            "A service account is an investigator, a supervisor or an auditor: administration "
            "is done by a person.",
            field="role",
        )
    if role in ROLES_NEEDING_A_UNIT and unit is None:
        raise DomainError(
            f"Choose the unit whose work this {Role(role).label.lower()} account does.",
            field="unit",
        )
    username = f"{USERNAME_PREFIX}{name}"
    if (
        ServiceAccount.objects.filter(name=name).exists()
        or User.objects.filter(username__iexact=username).exists()
    ):
        raise DomainError(f"A service account named {name} already exists.", field="name")
    principal = User(
        username=username,
        first_name="Service account",
        last_name=name,
        unit=unit,
        is_service_account=True,
    )
    principal.set_unusable_password()
    principal.save()
    principal.groups.set([Group.objects.get_or_create(name=role)[0]])
    account = ServiceAccount.objects.create(
        name=name, description=description, user=principal, created_by=actor
    )
    audit_record(
        actor=actor,
        action="service_account.create",
        target=account,
        details={
            "name": name,
            "username": username,
            "role": role,
            "unit": unit.code if unit else None,
        },
    )
    _token, secret = api_token_create(
        service_account=account, actor=actor, expires_in_days=expires_in_days
    )
    return account, secret


@transaction.atomic
def api_token_create(
    *, service_account: ServiceAccount, actor: User, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``service_account``; returns it and its secret (shown once, kept hashed)."""
    _require_administrator(actor, "Only an administrator can issue an API token.")
    now = timezone.now()
    expires_at = _expiry(expires_in_days, now)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        service_account=service_account,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=token_digest(secret),
        expires_at=expires_at,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        details={
            "service_account": service_account.name,
            "prefix": token.prefix,
            "expires_at": expires_at,
        },
    )
    return token, secret


def _live_token(token: ApiToken) -> ApiToken:
    locked = ApiToken.objects.select_for_update().select_related("service_account").get(pk=token.pk)
    if locked.revoked_at is not None:
        raise DomainError("This token was already revoked.", field="token", status=409)
    return locked


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Stop a token at once (a leak, an integration retired)."""
    _require_administrator(actor, "Only an administrator can revoke an API token.")
    token = _live_token(token)
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        actor=actor,
        action="api_token.revoke",
        target=token,
        details={"service_account": token.service_account.name, "prefix": token.prefix},
    )
    return token


@transaction.atomic
def api_token_rotate(
    *, token: ApiToken, actor: User, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Replace a token: the old one stops now, the new one's secret is returned (shown once)."""
    _require_administrator(actor, "Only an administrator can rotate an API token.")
    old = _live_token(token)
    old.revoked_at = timezone.now()
    old.revoked_by = actor
    old.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    new, secret = api_token_create(
        service_account=old.service_account, actor=actor, expires_in_days=expires_in_days
    )
    audit_record(
        actor=actor,
        action="api_token.rotate",
        target=old,
        details={
            "service_account": old.service_account.name,
            "prefix": old.prefix,
            "replaced_by": new.prefix,
        },
    )
    return new, secret


def api_token_authenticate(*, secret: str, now: datetime | None = None) -> tuple[User, ApiToken]:
    """The principal a presented secret acts for, or ``TokenRefused`` saying why not.

    One indexed lookup by the secret's hash (with the principal joined); a second statement only
    when ``last_used_at`` is a minute old."""
    now = now or timezone.now()
    digest = token_digest(secret)
    token = (
        ApiToken.objects.select_related("service_account__user").filter(token_hash=digest).first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise TokenRefused("Invalid token.")
    principal = token.service_account.user
    if token.revoked_at is not None:
        raise TokenRefused(
            "This token was revoked. Ask an administrator for a new token for "
            f"{token.service_account.name}."
        )
    if token.expires_at <= now:
        raise TokenRefused(
            f"This token expired at {token.expires_at:%Y-%m-%d %H:%M} UTC. Ask an administrator "
            f"to rotate the token of {token.service_account.name}."
        )
    if not principal.is_active:
        raise TokenRefused(f"The service account {token.service_account.name} is disabled.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # The condition makes concurrent requests write once between them.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return principal, token

"""Single sign-on: who a verified provider identity is in Casework, and what they may do.

Threats: an account taken over through a reissued e-mail address (sign-ins are matched on the
provider's issuer and subject only); a leaver or a mover keeping a role the agency withdrew (the
provider's groups decide roles and unit at every sign-in, and a person whose groups no longer
map loses every role); an account created for anyone the provider knows (creation is off unless
the administrator turns it on); a role change nobody can trace (each one is an audit event).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from casework.audit.choices import Outcome
from casework.audit.services import audit_record
from casework.core.validation import text_problem

from .choices import Role
from .models import Unit, User
from .oidc import SignInRefused
from .selectors import user_may_sign_in
from .sso_models import ExternalIdentity, ProviderGroupMapping, ProviderSecondFactor

# Roles that only make sense inside a unit: their access is the unit's cases.
UNIT_ROLES = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
_ROLE_ORDER = {value: index for index, value in enumerate(Role.values)}


@dataclass(frozen=True)
class Access:
    """The roles and unit a person's provider groups give, or why they give none."""

    roles: frozenset[str]
    unit: Unit | None
    problem: str = ""
    problem_reason: str = ""


def _claim_text(claims: dict, name: str, max_length: int) -> str:
    """A claim as storable one-line text, or ``""``: a provider's display name with a control
    character or a NUL (which PostgreSQL refuses) is left out rather than stored."""
    value = claims.get(name)
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    value = str(value).strip()
    return "" if text_problem(value, max_length=max_length) else value


def provider_groups(claims: dict) -> list[str]:
    """The groups claim as a list of storable strings, whatever shape the provider sent."""
    value = claims.get(settings.CASEWORK_OIDC_GROUPS_CLAIM, [])
    if not isinstance(value, list):
        value = [value]
    groups = {_claim_text({"group": item}, "group", 255) for item in value}
    return sorted(groups - {""})


def provider_reports_mfa(claims: dict) -> bool:
    """Whether the provider says it checked more than a password (``amr`` or ``acr``)."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    if set(map(str, amr)) & set(settings.CASEWORK_OIDC_MFA_AMR):
        return True
    return str(claims.get("acr", "")) in set(settings.CASEWORK_OIDC_MFA_ACR)


def access_from_groups(groups: list[str]) -> Access:
    mappings = list(ProviderGroupMapping.objects.filter(group__in=groups).select_related("unit"))
    roles = frozenset(mapping.role for mapping in mappings if mapping.role)
    units = {mapping.unit for mapping in mappings if mapping.unit}
    if not roles:
        return Access(
            frozenset(),
            None,
            "None of your groups at the identity provider gives a role in Casework, so you "
            "cannot use it. If you need access, ask your agency's identity team or a Casework "
            "administrator to add you to a Casework group.",
            "unmapped",
        )
    if len(units) > 1:
        names = ", ".join(sorted(unit.name for unit in units))
        return Access(
            frozenset(),
            None,
            f"Your groups at the identity provider place you in more than one unit ({names}); "
            "a person belongs to one. Ask your agency's identity team to correct your groups.",
            "several_units",
        )
    unit = next(iter(units), None)
    if unit is None and roles & UNIT_ROLES:
        return Access(
            frozenset(),
            None,
            "Your groups at the identity provider give you a role that works inside a unit, "
            "but no unit. Ask your agency's identity team to add you to your unit's group.",
            "no_unit",
        )
    return Access(roles, unit)


def _unit_code(unit: Unit | None) -> str | None:
    return unit.code if unit else None


def _sorted_roles(roles) -> list[str]:
    return sorted(roles, key=_ROLE_ORDER.__getitem__)


def _username_for(claims: dict, subject: str) -> str:
    candidate = _claim_text(claims, "preferred_username", 150) or _claim_text(claims, "email", 254)
    candidate = "".join(ch for ch in candidate if ch.isalnum() or ch in "@.+-_")[:120]
    if candidate and not User.objects.filter(username__iexact=candidate).exists():
        return candidate
    # The name is for people to read; the match is on the subject, so a clash gets a suffix.
    digest = hashlib.sha256(f"{settings.CASEWORK_OIDC_ISSUER} {subject}".encode()).hexdigest()
    return f"{candidate or 'sso'}-{digest[:10]}"


def _user_create_from_provider(*, issuer: str, subject: str, claims: dict, access: Access) -> User:
    user = User(
        username=_username_for(claims, subject),
        first_name=_claim_text(claims, "given_name", 150),
        last_name=_claim_text(claims, "family_name", 150),
        email=_claim_text(claims, "email", 254),
        unit=access.unit,
    )
    # No password: this account signs in through the provider only, so disabling it there
    # disables it here.
    user.set_unusable_password()
    user.save()
    audit_record(
        actor=None,
        action="user.create",
        target=user,
        details={
            "username": user.username,
            "via": "single sign-on",
            "issuer": issuer,
            "subject": subject,
            "roles": [],
            "unit": None,
        },
    )
    return user


def _apply_access(*, user: User, access: Access, identity: ExternalIdentity) -> None:
    """Give ``user`` exactly the roles and unit ``access`` says; audit what changed."""
    old_roles = frozenset(user.role_names) & set(Role.values)
    old_unit = user.unit
    changes: dict[str, list] = {}
    if old_roles != access.roles:
        others = user.groups.exclude(name__in=Role.values)
        user.groups.set([*others, *Group.objects.filter(name__in=access.roles)])
        changes["roles"] = [_sorted_roles(old_roles), _sorted_roles(access.roles)]
    fields = []
    if access.roles and old_unit != access.unit:
        user.unit = access.unit
        fields.append("unit")
        changes["unit"] = [
            old_unit.code if old_unit else None,
            access.unit.code if access.unit else None,
        ]
    is_staff = Role.ADMINISTRATOR in access.roles
    if user.is_staff != is_staff and not user.is_superuser:
        user.is_staff = is_staff
        fields.append("is_staff")
        changes["is_staff"] = [not is_staff, is_staff]
    if fields:
        user.save(update_fields=fields)
    user.__dict__.pop("role_names", None)
    if changes:
        audit_record(
            actor=None,
            action="user.sso_access_change",
            target=user,
            changes=changes,
            details={
                "username": user.username,
                "issuer": identity.issuer,
                "subject": identity.subject,
                "groups": identity.groups,
            },
        )


def sso_sign_in(*, issuer: str, claims: dict) -> User:
    """The Casework user a verified provider identity signs in as, with roles brought up to date.

    Raises ``SignInRefused`` when the identity is not linked and creation is off, the account
    is locked or deactivated, the provider's multi-factor is required but not reported, or the
    groups give no usable access. Role and unit changes are committed even when the sign-in is
    then refused: a person whose groups no longer map loses their roles, not only this sign-in.
    """
    subject = _claim_text(claims, "sub", 255)
    if not subject:
        # OpenID Connect Core §2: at most 255 ASCII characters; anything else is not a subject.
        raise SignInRefused(
            "token_invalid",
            "The identity provider's answer could not be verified, so you are not signed in. "
            "Tell your administrator.",
        )
    groups = provider_groups(claims)
    refusal: SignInRefused | None = None
    with transaction.atomic():
        identity = (
            ExternalIdentity.objects.select_for_update(of=("self", "user"))
            .select_related("user", "user__unit")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        access = access_from_groups(groups)
        if identity is None:
            if not settings.CASEWORK_OIDC_CREATE_USERS:
                raise SignInRefused(
                    "not_linked",
                    "Your agency account is not linked to a Casework account, and Casework "
                    "does not create accounts on first sign-in. Ask a Casework administrator "
                    f"to link it; give them your identifier at the provider: {subject}",
                    subject=subject,
                )
            if access.problem:
                raise SignInRefused(access.problem_reason, access.problem, subject=subject)
            user = _user_create_from_provider(
                issuer=issuer, subject=subject, claims=claims, access=access
            )
            identity = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        user = identity.user
        if not user_may_sign_in(user):
            raise SignInRefused(
                "account_locked" if user.locked_at else "account_inactive",
                "Your Casework account is locked or deactivated. Ask a Casework administrator "
                "to release it.",
                subject=subject,
                user=user,
            )
        if settings.CASEWORK_OIDC_SECOND_FACTOR == "provider" and not provider_reports_mfa(claims):
            raise SignInRefused(
                "provider_mfa_missing",
                "Casework needs you to sign in at your agency with a second factor (an "
                "authenticator, a security key or a smart card), and the identity provider "
                "says you used a password only. Sign out of your agency account and sign in "
                "again with your second factor.",
                subject=subject,
                user=user,
            )
        identity.groups = groups
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["groups", "last_sign_in_at", "updated_at"])
        _apply_access(user=user, access=access, identity=identity)
        if access.problem:
            refusal = SignInRefused(
                access.problem_reason, access.problem, subject=subject, user=user
            )
    if refusal is not None:
        raise refusal
    return user


@transaction.atomic
def sso_sign_in_succeeded(*, user: User, second_factor: str) -> None:
    identity = user.external_identities.filter(issuer=settings.CASEWORK_OIDC_ISSUER).first()
    audit_record(
        actor=user,
        action="auth.sign_in",
        target=user,
        details={
            "method": "single sign-on",
            "issuer": settings.CASEWORK_OIDC_ISSUER,
            "subject": identity.subject if identity else "",
            "second_factor": second_factor,
        },
    )


@transaction.atomic
def sso_sign_in_refused(*, refusal: SignInRefused) -> None:
    audit_record(
        actor=None,
        action="auth.sso_refused",
        target=refusal.user,
        object_type="" if refusal.user else "accounts.user",
        outcome=Outcome.REFUSED,
        details={
            "username": refusal.user.username if refusal.user else "",
            "reason": refusal.reason,
            "issuer": getattr(settings, "CASEWORK_OIDC_ISSUER", ""),
            "subject": refusal.subject,
        },
    )


@transaction.atomic
def provider_second_factor_for(*, user: User) -> ProviderSecondFactor:
    """The device that stands for the provider's multi-factor check in this user's sessions."""
    device, _ = ProviderSecondFactor.objects.get_or_create(
        user=user, defaults={"name": "Identity provider's multi-factor", "confirmed": True}
    )
    return device

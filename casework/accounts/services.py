"""Account operations: sign-in bookkeeping, lock-out, release, deactivation, demo users.

Threat: password guessing (AC-7) and dormant accounts left usable (AC-2(3)). Failed sign-ins are
counted per user name, as the password check reads it, in a sliding window; reaching the limit
locks the account until an administrator releases it, so an attacker cannot simply wait the lock
out. A lock stops every credential of the account (``selectors.user_may_sign_in``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.forms import UsernameField
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit.choices import Outcome
from casework.audit.services import audit_record
from casework.core import context
from casework.core.errors import DomainError
from casework.core.validation import clean_text

from .choices import Role
from .models import SignInFailure, Unit, User
from .roles import ROLE_PERMISSIONS, STAFF_ROLES

USERNAME_MAX_LENGTH = User._meta.get_field("username").max_length


@transaction.atomic
def roles_ensure() -> list[str]:
    """Create the role groups and grant each its permissions (``roles.ROLE_PERMISSIONS``).

    Idempotent, and additive: a permission an agency granted a group by hand is kept. Returns
    what it changed ("created group auditor", "administrator: +accounts.add_user"), empty when
    everything was in place."""
    changed = []
    for role in Role.values:
        group, created = Group.objects.get_or_create(name=role)
        if created:
            changed.append(f"created group {role}")
        wanted = Q(pk__in=[])
        for app_label, model, actions in ROLE_PERMISSIONS[role]:
            wanted |= Q(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        missing = Permission.objects.filter(wanted).exclude(group=group)
        added = [
            f"{p.content_type.app_label}.{p.codename}"
            for p in missing.select_related("content_type")
        ]
        if added:
            group.permissions.add(*missing)
            changed.append(f"{role}: +{', +'.join(sorted(added))}")
    if changed:
        audit_record(
            actor=None,
            action="roles.ensure",
            object_type="auth.group",
            details={"changes": changed},
        )
    return changed


@transaction.atomic
def user_grant_role(*, user: User, role: str, actor: User | None) -> bool:
    """Give ``user`` a role (and the administration, for the roles that use it); False when they
    had it already. Used by ``bootstrap`` for the first administrator and by ``seed_demo``."""
    if role not in Role.values:
        raise DomainError(f"Unknown role: {role}.", field="roles")
    group = Group.objects.get(name=role)
    staff = role in STAFF_ROLES and not user.is_staff
    had_role = user.groups.filter(pk=group.pk).exists()
    if had_role and not staff:
        return False
    user.groups.add(group)
    if staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.__dict__.pop("role_names", None)
    audit_record(
        actor=actor,
        action="user.grant_role",
        target=user,
        details={"username": user.username, "role": role, "staff": user.is_staff},
    )
    return True


@transaction.atomic
def sign_in_succeeded(*, user: User) -> None:
    audit_record(actor=user, action="auth.sign_in", target=user)


@transaction.atomic
def sign_out(*, user: User) -> None:
    audit_record(actor=user, action="auth.sign_out", target=user)


def sign_in_identity(username: str) -> str:
    """The name failed sign-ins are counted under, whatever padding or case was typed.

    The sign-in form checks the password against the name stripped of white space and
    NFKC-normalised (Django's ``UsernameField``), so " lockme", "lockme\u00a0" and "lockme" are
    one account. Counting under the raw name let each spelling guess on its own and never lock
    the account. Case is folded too: user names are unique regardless of case.
    """
    return _as_checked(username).casefold()[:USERNAME_MAX_LENGTH]


def _as_checked(username: str) -> str:
    # The form's own field, so this follows Django if its normalisation changes; its length
    # limit keeps a huge posted name from being normalised (a slow operation) for nothing.
    return UsernameField(max_length=USERNAME_MAX_LENGTH).to_python(username or "").strip()


@transaction.atomic
def sign_in_failed(*, username: str, now: datetime | None = None) -> bool:
    """Record a failed sign-in; lock the account when the window fills.

    ``username`` is the name as typed. Returns True if the account it names is locked."""
    now = now or timezone.now()
    identity = sign_in_identity(username)
    ip_address = context.current().ip_address
    SignInFailure.objects.create(username=identity, ip_address=ip_address, occurred_at=now)
    # User names are unique in any case (a database constraint), so this is at most one.
    user = User.objects.select_for_update().filter(username__iexact=_as_checked(username)).first()
    typed = (username or "")[:USERNAME_MAX_LENGTH]
    details = {"username": user.username if user else identity}
    if typed != details["username"]:
        details["typed"] = typed
    audit_record(
        actor=None,
        action="auth.sign_in_failed",
        target=user,
        object_type="accounts.user" if user is None else "",
        outcome=Outcome.REFUSED,
        details=details,
    )
    if user is None or user.locked_at is not None:
        return user is not None
    window_start = now - timedelta(minutes=settings.CASEWORK_LOCKOUT_WINDOW_MINUTES)
    failures = SignInFailure.objects.filter(username=identity, occurred_at__gt=window_start).count()
    if failures < settings.CASEWORK_LOCKOUT_FAILURES:
        return False
    user.locked_at = now
    user.save(update_fields=["locked_at"])
    audit_record(
        actor=None,
        action="auth.lock_out",
        target=user,
        outcome=Outcome.REFUSED,
        details={"username": user.username, "failures": failures},
    )
    return True


@transaction.atomic
def user_release_lock(*, user: User, actor: User) -> None:
    """An administrator releases a locked account; its failure count starts again."""
    _require_administrator(actor, "Only an administrator can release a locked account.")
    User.objects.filter(pk=user.pk).update(locked_at=None)
    SignInFailure.objects.filter(username=sign_in_identity(user.username)).delete()
    user.locked_at = None
    audit_record(actor=actor, action="user.release_lock", target=user)


def _require_administrator(actor: User, message: str) -> None:
    if not actor.has_role(Role.ADMINISTRATOR) and not actor.is_superuser:
        raise DomainError(message, status=403)


@transaction.atomic
def users_disable_inactive(*, now: datetime | None = None) -> list[str]:
    """Deactivate accounts unused for CASEWORK_INACTIVE_DAYS; return their user names."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CASEWORK_INACTIVE_DAYS)
    stale = list(
        User.objects.select_for_update()
        # A service account never signs in; its tokens expire on their own clock.
        .filter(is_active=True, is_service_account=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
    )
    for user in stale:
        user.is_active = False
        user.deactivated_reason = f"Not used for {settings.CASEWORK_INACTIVE_DAYS} days"
        user.save(update_fields=["is_active", "deactivated_reason"])
        audit_record(
            actor=None,
            action="user.deactivate",
            target=user,
            details={"username": user.username, "reason": user.deactivated_reason},
        )
    return [user.username for user in stale]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    unit: Unit | None,
    roles: list[str],
    actor: User | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise DomainError(f"Unknown role: {', '.join(sorted(unknown))}.", field="roles")
    # As Django's own user creation form: one name, whatever its case, is one account (the
    # lock-out counts failures case-folded).
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"A user named {username} already exists.", field="username")
    user = User(
        username=username,
        unit=unit,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=bool(STAFF_ROLES & set(roles)),
    )
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        details={"username": username, "roles": sorted(roles), "unit": unit.code if unit else None},
    )
    return user


@transaction.atomic
def two_factor_device_for(*, user: User) -> TOTPDevice:
    """The user's TOTP device: confirmed if enrolled, else a pending one to enrol.

    A new pending device is a new enrolment, whose key has not been shown yet."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device
    # One pending device per user, even when two sign-ins race to create it.
    User.objects.select_for_update().filter(pk=user.pk).first()
    device, created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    if created:
        User.objects.filter(pk=user.pk).update(two_factor_key_shown_at=None)
        user.two_factor_key_shown_at = None
        audit_record(actor=user, action="auth.two_factor_enrolment_started", target=user)
    return device


@transaction.atomic
def two_factor_key_reveal(*, user: User) -> bool:
    """Whether the pending enrolment's key may be shown now: only the first time it is asked.

    Threat: before enrolment is confirmed, the password alone reaches the enrolment page. If
    the key were shown at every sign-in, whoever holds the password could copy it into their
    own app at any time; shown once, a thief who gets there first leaves the real user facing
    a withheld key, who then asks an administrator (``two_factor_reset``) and so finds out."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.two_factor_key_shown_at is not None:
        return False
    locked.two_factor_key_shown_at = timezone.now()
    locked.save(update_fields=["two_factor_key_shown_at"])
    user.two_factor_key_shown_at = locked.two_factor_key_shown_at
    audit_record(actor=user, action="auth.two_factor_key_shown", target=user)
    return True


@transaction.atomic
def two_factor_reset(*, user: User, actor: User) -> None:
    """An administrator removes a user's two-factor devices; the user enrols again next time.

    For a lost or replaced phone, or an enrolment whose key was shown but never confirmed.
    Sessions verified with a removed device stop counting as verified at their next request
    (django-otp looks the device up each time)."""
    _require_administrator(actor, "Only an administrator can reset a two-factor enrolment.")
    User.objects.select_for_update().filter(pk=user.pk).first()
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    User.objects.filter(pk=user.pk).update(two_factor_key_shown_at=None)
    user.two_factor_key_shown_at = None
    audit_record(
        actor=actor,
        action="user.two_factor_reset",
        target=user,
        details={
            "username": user.username,
            "was_enrolled": any(device.confirmed for device in devices),
            "devices_removed": len(devices),
        },
    )


@transaction.atomic
def two_factor_check(*, user: User, device, token: str) -> bool:
    """Check a TOTP code; a first success confirms enrolment. Both outcomes are audited."""
    enrolling = not device.confirmed
    if not device.verify_token(token.strip().replace(" ", "")):
        audit_record(
            actor=user, action="auth.two_factor_failed", target=user, outcome=Outcome.REFUSED
        )
        return False
    if enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=user, action="auth.two_factor_enrolled", target=user)
    else:
        audit_record(actor=user, action="auth.two_factor_verified", target=user)
    return True


UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
CASE_PREFIX = re.compile(r"^[A-Z][A-Z0-9]*$")


def unit_check(*, code: str, name: str, case_prefix: str, time_zone: str) -> dict[str, str]:
    """The unit's fields cleaned, or ``DomainError`` naming the first field that is wrong."""
    code = clean_text(code, field="code", max_length=40, required=True)
    if not UNIT_CODE.match(code):
        raise DomainError("Use lower-case letters, digits, - and _ (such as north).", field="code")
    name = clean_text(name, field="name", max_length=200, required=True)
    case_prefix = clean_text(case_prefix, field="case_prefix", max_length=12, required=True)
    if not CASE_PREFIX.match(case_prefix):
        raise DomainError(
            "Use capital letters and digits, starting with a letter (such as NORTH): case "
            "numbers begin with it.",
            field="case_prefix",
        )
    time_zone = clean_text(time_zone or "UTC", field="time_zone", max_length=64)
    try:
        ZoneInfo(time_zone)
    except (ValueError, ZoneInfoNotFoundError):
        raise DomainError(
            f"{time_zone} is not a time zone: use a name such as Europe/London.",
            field="time_zone",
        ) from None
    return {"code": code, "name": name, "case_prefix": case_prefix, "time_zone": time_zone}


@transaction.atomic
def unit_ensure(
    *, code: str, name: str, case_prefix: str, time_zone: str, actor: User | None
) -> bool:
    """Create the unit if missing; True when created.

    A unit that exists with the same fields is left alone (so ``bootstrap`` runs again without
    change). One that differs is refused, not changed: its case prefix is in every case number
    already issued, so differences are for a person to settle in the administration."""
    fields = unit_check(code=code, name=name, case_prefix=case_prefix, time_zone=time_zone)
    existing = Unit.objects.select_for_update().filter(code=fields["code"]).first()
    if existing is not None:
        for field, value in fields.items():
            if getattr(existing, field) != value:
                raise DomainError(
                    f"Unit {existing.code} exists with {field} {getattr(existing, field)!r}, "
                    f"not {value!r}: change it in the administration, not here.",
                    field=field,
                )
        return False
    if Unit.objects.filter(case_prefix=fields["case_prefix"]).exists():
        raise DomainError(
            f"Another unit already numbers its cases {fields['case_prefix']}-….",
            field="case_prefix",
        )
    unit = Unit.objects.create(**fields)
    audit_record(actor=actor, action="unit.create", target=unit, details=fields)
    return True

"""Account operations: sign-in bookkeeping, lock-out, release, deactivation, demo users.

Threat: password guessing (AC-7) and dormant accounts left usable (AC-2(3)). Failed sign-ins are
counted per user name in a sliding window; reaching the limit locks the account until an
administrator releases it, so an attacker cannot simply wait the lock out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from casework.audit.choices import Outcome
from casework.audit.services import audit_record
from casework.core import context
from casework.core.errors import DomainError

from .choices import Role
from .models import SignInFailure, Unit, User


def roles_ensure() -> None:
    """Create the four role groups if missing (idempotent)."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@transaction.atomic
def sign_in_succeeded(*, user: User) -> None:
    audit_record(actor=user, action="auth.sign_in", target=user)


@transaction.atomic
def sign_out(*, user: User) -> None:
    audit_record(actor=user, action="auth.sign_out", target=user)


@transaction.atomic
def sign_in_failed(*, username: str, now: datetime | None = None) -> bool:
    """Record a failed sign-in; lock the account when the window fills. Returns True if locked."""
    now = now or timezone.now()
    ip_address = context.current().ip_address
    SignInFailure.objects.create(username=username, ip_address=ip_address, occurred_at=now)
    user = User.objects.select_for_update().filter(username=username).first()
    audit_record(
        actor=None,
        action="auth.sign_in_failed",
        target=user,
        object_type="accounts.user" if user is None else "",
        outcome=Outcome.REFUSED,
        details={"username": username},
    )
    if user is None or user.locked_at is not None:
        return user is not None
    window_start = now - timedelta(minutes=settings.CASEWORK_LOCKOUT_WINDOW_MINUTES)
    failures = SignInFailure.objects.filter(username=username, occurred_at__gt=window_start).count()
    if failures < settings.CASEWORK_LOCKOUT_FAILURES:
        return False
    user.locked_at = now
    user.save(update_fields=["locked_at"])
    audit_record(
        actor=None,
        action="auth.lock_out",
        target=user,
        outcome=Outcome.REFUSED,
        details={"username": username, "failures": failures},
    )
    return True


@transaction.atomic
def user_release_lock(*, user: User, actor: User) -> None:
    """An administrator releases a locked account; its failure count starts again."""
    if not actor.has_role(Role.ADMINISTRATOR) and not actor.is_superuser:
        raise DomainError("Only an administrator can release a locked account.", status=403)
    User.objects.filter(pk=user.pk).update(locked_at=None)
    SignInFailure.objects.filter(username=user.username).delete()
    user.locked_at = None
    audit_record(actor=actor, action="user.release_lock", target=user)


@transaction.atomic
def users_disable_inactive(*, now: datetime | None = None) -> list[str]:
    """Deactivate accounts unused for CASEWORK_INACTIVE_DAYS; return their user names."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CASEWORK_INACTIVE_DAYS)
    stale = list(
        User.objects.select_for_update()
        .filter(is_active=True)
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
    if User.objects.filter(username=username).exists():
        raise DomainError(f"A user named {username} already exists.", field="username")
    user = User(
        username=username,
        unit=unit,
        first_name=first_name,
        last_name=last_name,
        email=email,
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


def two_factor_device_for(*, user: User):
    """The user's TOTP device: confirmed if enrolled, else a pending one to enrol."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": "Authenticator app"}
        )
    return device


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

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper

from casework.core.models import TimeStampedModel

from .choices import Role


class Unit(TimeStampedModel):
    """An investigative unit. Cases belong to a unit; supervisors oversee their unit's work."""

    code = models.SlugField(
        max_length=40, unique=True, help_text="Short lower-case code, e.g. north."
    )
    name = models.CharField(max_length=200)
    case_prefix = models.CharField(
        max_length=12, unique=True, help_text="Prefix of the unit's case numbers, e.g. NORTH."
    )
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case_prefix__regex=r"^[A-Z][A-Z0-9]*$"),
                name="unit_case_prefix_upper_alnum",
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Roles are groups (``Role``); a user belongs to at most one unit.

    ``locked_at`` is set after repeated failed sign-ins (CJIS AC-7) and only an administrator
    clears it; ``is_active`` is cleared after long inactivity (AC-2(3)).
    ``two_factor_key_shown_at`` records when the key of the pending two-factor enrolment was
    shown: it is shown once, so a password alone cannot fetch it again (IA-2).
    """

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    deactivated_reason = models.CharField(max_length=200, blank=True)
    two_factor_key_shown_at = models.DateTimeField(
        "two-factor key shown at", null=True, blank=True, editable=False
    )
    # The principal of a service account (``ServiceAccount``): it holds the account's role and
    # unit so every permission-aware selector treats it as it treats a person, but it never
    # signs in with a password and acts only through the account's API tokens.
    is_service_account = models.BooleanField(default=False, editable=False)

    class Meta:
        indexes = [models.Index(fields=["unit", "is_active"], name="user_unit_active_idx")]
        constraints = [
            # One name is one account whatever its case: the lock-out counts failed sign-ins
            # under the case-folded name, and Django's own creation form already refuses them.
            models.UniqueConstraint(
                Upper("username"),
                name="user_username_unique_any_case",
                violation_error_message="A user with that user name, in any case, already exists.",
            )
        ]

    @cached_property
    def role_names(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names & set(roles))

    @property
    def role_label(self) -> str:
        labels = [label for value, label in Role.choices if value in self.role_names]
        return ", ".join(labels) or "No role"


class SignInFailure(models.Model):
    """One failed sign-in, kept to count failures in the lock-out window."""

    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "occurred_at"], name="signin_failure_window_idx")
        ]

    def __str__(self) -> str:
        return f"{self.username} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ServiceAccount(TimeStampedModel):
    """An integration that calls the API (a hotline's intake, a reporting script), not a person.

    Its role and unit live on ``user``, a principal that cannot sign in, so need-to-know applies
    to it exactly as to a person with that role; what it does is audited under that principal's
    name (``svc-<name>``). It acts only through its ``ApiToken``s, which an administrator creates,
    rotates and revokes (``casework/accounts/service_accounts.py``).
    """

    name = models.SlugField(
        max_length=60, unique=True, help_text="Lower-case name, e.g. hotline-intake."
    )
    description = models.CharField(max_length=200, blank=True)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="service_account")
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(TimeStampedModel):
    """A secret a service account presents as ``Authorization: Token <secret>``.

    Only the SHA-256 of the secret is kept (the secret has 256 random bits, so a fast hash is
    enough: there is nothing to guess from), and the secret is shown once, when it is made.
    ``prefix`` (the first characters) lets an administrator tell tokens apart. A token is
    refused once ``expires_at`` has passed or ``revoked_at`` is set; ``last_used_at`` is
    refreshed at most once a minute, so a busy integration does not write on every request.
    """

    service_account = models.ForeignKey(
        ServiceAccount, on_delete=models.PROTECT, related_name="tokens"
    )
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["service_account", "revoked_at", "expires_at"],
                name="api_token_account_live_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(revoked_by__isnull=False),
                name="api_token_revocation_names_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.service_account.name})"


# Single sign-on models live in their own module; imported here so Django registers them.
from .sso_models import ExternalIdentity, ProviderGroupMapping, ProviderSecondFactor  # noqa: E402

__all__ = [
    "ApiToken",
    "ExternalIdentity",
    "ProviderGroupMapping",
    "ProviderSecondFactor",
    "ServiceAccount",
    "SignInFailure",
    "Unit",
    "User",
]

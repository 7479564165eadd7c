"""Who is who under single sign-on: provider identities, the group mapping, the provider's factor.

Threat: an account taken over through a mutable attribute. An e-mail address or display name
can be changed or reissued at the provider (a leaver's address given to a newcomer); the pair
(issuer, subject) cannot, so it is the only thing a sign-in is matched on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_otp.models import Device

from casework.core.models import TimeStampedModel

from .choices import Role


class ExternalIdentity(TimeStampedModel):
    """A person's account at an identity provider, linked to one Casework user.

    ``subject`` is the provider's ``sub`` claim: stable and never reassigned (OpenID Connect
    Core §5.7). ``groups`` is what the provider last said, kept so an administrator can see why
    a person has the roles they have.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    groups = models.JSONField(default=list, blank=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"],
                name="external_identity_issuer_subject_unique",
                violation_error_message="That provider identity is already linked to a user.",
            ),
            models.UniqueConstraint(
                fields=["user", "issuer"],
                name="external_identity_user_issuer_unique",
                violation_error_message="This user already has an identity at that provider.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class ProviderGroupMapping(TimeStampedModel):
    """One provider group (or claim value) and the Casework role and/or unit it gives.

    A person signing in through the provider gets the union of the roles their groups map to
    and the one unit they map to; nothing else. Administrators edit these rows.
    """

    group = models.CharField(
        max_length=255,
        unique=True,
        help_text=(
            "The value exactly as the provider sends it in the groups claim: a group name, a "
            "path such as /casework/north, or an object id (Microsoft Entra ID)."
        ),
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provider_group_mappings",
    )

    class Meta:
        ordering = ["group"]
        verbose_name = "single sign-on group mapping"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="") | models.Q(unit__isnull=False),
                name="provider_group_mapping_gives_something",
                violation_error_message="Choose a role, a unit, or both.",
            )
        ]

    def __str__(self) -> str:
        gives = [part for part in (self.get_role_display(), str(self.unit or "")) if part]
        return f"{self.group} → {', '.join(gives)}"


class ProviderSecondFactor(Device):
    """The identity provider's own multi-factor check, standing as the session's second factor.

    When the provider reports (``amr``/``acr``) that it checked more than a password, the
    session is verified with this device instead of Casework's authenticator code. It checks no
    code itself: ``verify_token`` always refuses, so it cannot be used to pass the two-factor
    page.
    """

    class Meta(Device.Meta):
        verbose_name = "provider second factor"

    def verify_token(self, token) -> bool:
        return False

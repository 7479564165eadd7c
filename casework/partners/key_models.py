"""Partner installations and their Ed25519 public keys, for deconfliction between agencies.

Threat: a pointer set (see ``casework.cooperation``) accepted from someone who is not the
partner, or from a partner whose key was lost or whose agreement ended. A set is accepted only
when signed by a key registered here for that partner and not revoked; revoking is an
administrator's audited act, and old keys stay listed (revoked) so what they signed can be
explained later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.core.models import TimeStampedModel


class PartnerInstallation(TimeStampedModel):
    """A partner agency's Casework (or compatible) installation we exchange pointer sets with.

    ``issuer`` is the name the partner writes into every set it signs (``CASEWORK_COOP_ISSUER``
    on their side). ``service_account`` is the account their installation calls our API with:
    only that account may fetch our set or push theirs. ``revoked_at`` ends the partnership:
    their sets are refused and their pointers deleted.
    """

    agency = models.OneToOneField(
        "partners.Agency", on_delete=models.PROTECT, related_name="installation"
    )
    issuer = models.CharField(max_length=200, unique=True)
    url = models.URLField(
        "API address",
        blank=True,
        help_text="Where their installation answers, e.g. https://casework.partner.example.",
    )
    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The service account their installation calls our API with.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["issuer"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="partner_installation_revocation_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.issuer

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PartnerKey(TimeStampedModel):
    """One Ed25519 public key of a partner installation (``created_at`` is when it was added).

    ``key_id`` is the first 16 hex digits of the SHA-256 of the raw 32-byte public key, as the
    partner's files name it; ``public_key`` the raw key in standard base64. Several keys may be
    valid at once while a partner rotates.
    """

    installation = models.ForeignKey(
        PartnerInstallation, on_delete=models.PROTECT, related_name="keys"
    )
    key_id = models.CharField(max_length=16, unique=True)
    public_key = models.CharField(max_length=44)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["installation", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(key_id__regex=r"^[0-9a-f]{16}$"), name="partner_key_id_hex"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="partner_key_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.key_id

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

"""Data keys and the installation's key-check value.

A ``DataKey`` is one AES-256 key per case, and per referral (a referral's identifiers are
encrypted under the referral's own key, also after it is accepted into a case: the case gets
its own copy of each identifier, encrypted under the case's key, so disposing the referral and
disposing the case are separate acts, each shredding exactly its own values). Owners are named
by scope and id, not by foreign key, because referrals and cases depend on this app, never the
other way round (as ``CaseIdentifier.source_referral_id``).

Only the wrapped key is stored; the change-capture trigger never copies ``wrapped_key`` into
the ledger (``casework.audit.capture.REDACTED_COLUMNS``), so destroying it here destroys every
copy Casework holds.
"""

from __future__ import annotations

from django.db import models


class KeyScope(models.TextChoices):
    CASE = "case", "Case"
    REFERRAL = "referral", "Referral"


class DataKey(models.Model):
    """The data key of one case or referral, wrapped by the KEK named in ``kek_id``."""

    scope = models.CharField(max_length=10, choices=KeyScope.choices)
    owner_id = models.BigIntegerField()
    wrapped_key = models.BinaryField(null=True, blank=True)
    kek_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)
    destroyed_reason = models.CharField(max_length=300, blank=True)

    # Not captured row by row (docs/privacy.md, "What the ledger records of data keys"): the
    # key itself is never copied into the ledger, so a captured row said only that a key
    # exists, which the referral's or case's own events already say; destroying and
    # re-wrapping keys are recorded by their services' events (``data_key.destroy``,
    # ``kek.rotate``). A bulk import makes one key per referral: 100,000 ledger events fewer.
    audit_capture = False

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "owner_id"], name="data_key_owner"),
            models.CheckConstraint(
                condition=models.Q(destroyed_at__isnull=True, wrapped_key__isnull=False)
                | models.Q(destroyed_at__isnull=False, wrapped_key__isnull=True),
                name="data_key_destroyed_has_no_key",
            ),
        ]
        indexes = [
            # Rotation walks the keys not yet under the new KEK, in id order (resumable).
            models.Index(
                fields=["kek_id", "id"],
                condition=models.Q(destroyed_at__isnull=True),
                name="data_key_rotation_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Data key of {self.scope} {self.owner_id}"

    @property
    def owner_label(self) -> str:
        return f"{self.scope}:{self.owner_id}"


class KeyCheck(models.Model):
    """One row: a constant wrapped by the current KEK and a fingerprint of a constant, so a
    process started with the wrong KEK or fingerprint key stops at once instead of showing
    every value as unreadable (or silently missing every deconfliction match)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    kek_id = models.CharField(max_length=100)
    kek_check = models.BinaryField()
    fingerprint_check = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="key_check_single")]

    def __str__(self) -> str:
        return f"Key check ({self.kek_id})"

"""The hash-set sharing register: what was shared where, when, by whom, and whether it arrived.

Threat: a set of hashes is derived from seized material; Casework must hold neither the material
nor, without need, the hashes themselves. A ``HashSet`` is metadata only — the evidence store's
reference where the set lives, the algorithms, the counts by category and, when the counts came
from a VICS manifest, the SHA-256 digest of that manifest (so the file the store keeps can be
shown to be the one counted). No individual hash value is stored here.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from casework.core.models import TimeStampedModel

from .choices import Destination, SetAlgorithm

# Project VIC's categories are small integers; a code outside this range is a malformed file.
CATEGORY_MAX = 99


class HashSet(TimeStampedModel):
    """A hash set made from one seized item: where the set lives and what it counts.

    ``counts`` maps a category code (a string: "0", "1", … or "uncategorised") to how many
    entries the set holds in it; ``total`` is their sum, kept for the lists and the figures.
    ``case`` is the item's case, kept on the row so that need-to-know and the unit filter are
    one join, as for evidence items.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="hash_sets")
    item = models.ForeignKey(
        "custody.EvidenceItem", on_delete=models.PROTECT, related_name="hash_sets"
    )
    set_identifier = models.CharField(max_length=120)
    store_reference = models.CharField(max_length=200)
    algorithms = ArrayField(
        models.CharField(max_length=10, choices=SetAlgorithm.choices), default=list
    )
    counts = models.JSONField(default=dict)
    total = models.PositiveIntegerField(default=0)
    made_at = models.DateTimeField()
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    manifest_imported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "set_identifier"], name="hashset_item_identifier_unique"
            ),
            models.CheckConstraint(
                condition=Q(manifest_sha256="") | Q(manifest_sha256__regex=r"^[0-9a-f]{64}$"),
                name="hashset_manifest_digest_hex",
            ),
        ]
        indexes = [
            # The unit register: newest first, keyset on (made_at, id), filtered by the case's
            # unit through the join.
            models.Index(fields=["case", "-made_at", "-id"], name="hashset_case_made_idx"),
            models.Index(fields=["-made_at", "-id"], name="hashset_made_idx"),
        ]

    def __str__(self) -> str:
        return self.set_identifier


class HashSetSharing(TimeStampedModel):
    """One sending of a set to a database or partner, and its acknowledgement.

    ``agency`` names the receiver from the partner directory for another agency's database or
    a Project VIC–style partner; the national database and ICSE need none. The acknowledgement
    (when and what the receiver said) is recorded once; until then an acknowledgement clock
    runs in the deadlines app and escalates to the supervisor when it is overdue.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hash_set = models.ForeignKey(HashSet, on_delete=models.PROTECT, related_name="sharings")
    destination = models.CharField(max_length=20, choices=Destination.choices)
    agency = models.ForeignKey(
        "partners.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hash_set_sharings",
    )
    shared_at = models.DateTimeField()
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reference_received = models.CharField(max_length=120, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.CharField(max_length=300, blank=True)
    acknowledged_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["shared_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(destination__in=["national", "icse"], agency__isnull=True)
                | Q(destination__in=["agency", "vic_partner"], agency__isnull=False),
                name="hashset_sharing_agency_for_destination",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | Q(acknowledged_at__gte=models.F("shared_at")),
                name="hashset_sharing_ack_after_sharing",
            ),
        ]
        indexes = [
            models.Index(fields=["hash_set", "shared_at"], name="hashset_sharing_set_idx"),
            # Figures: sharings per destination in a period.
            models.Index(fields=["shared_at", "destination"], name="hashset_sharing_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.hash_set} to {self.get_destination_display()}"

    @property
    def destination_label(self) -> str:
        if self.agency_id:
            return f"{self.get_destination_display()}: {self.agency}"
        return self.get_destination_display()


__all__ = ["CATEGORY_MAX", "Destination", "HashSet", "HashSetSharing"]

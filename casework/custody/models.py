"""Evidence references and their chain of custody.

Threat: a chain that cannot be followed in court (an undocumented hand-over, a record edited after
the fact, a hash that no longer matches). Items hold only the accredited store's identifier and
hash values — never media. Custody events and acknowledgements are append-only: PostgreSQL
triggers (migration 0002) refuse UPDATE and DELETE, so even a bug or a database session outside
the services cannot rewrite history; corrections are new events that reference the wrong one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models

from casework.core.models import TimeStampedModel
from casework.core.trigrams import trigram_index_expression

from .choices import (
    HEX_LENGTH,
    EventKind,
    HashAlgorithm,
    HashResult,
    ItemKind,
    ItemState,
    SealState,
    SignOffState,
)


class EvidenceStore(TimeStampedModel):
    """An accredited evidence store (DEMS) whose items Casework references by identifier.

    ``identifier_pattern`` is an anchored regular expression every item identifier in this store
    must match, so a mistyped reference is refused at entry instead of found wrong in court.
    ``metadata_api_url`` is recorded for operators; Casework does not call it.
    """

    name = models.CharField(max_length=200, unique=True)
    identifier_pattern = models.CharField(max_length=300)
    metadata_api_url = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EvidenceItem(TimeStampedModel):
    """One exhibit a case relies on, referenced in the store by its identifier.

    ``current_holder``, ``last_event`` and ``state`` are maintained only by the custody services
    under a row lock; they make "who holds it now" one read and give concurrent writers a version
    to compare. ``hash_mismatch`` is set for good once any verification disagrees with the store.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence_items")
    store = models.ForeignKey(EvidenceStore, on_delete=models.PROTECT, related_name="items")
    store_identifier = models.CharField(max_length=200)
    exhibit_number = models.CharField(max_length=60)
    root_item = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="derived_items"
    )
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    make = models.CharField(max_length=100, blank=True)
    model_name = models.CharField(max_length=100, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=500, blank=True)
    seized_at = models.DateTimeField()
    seized_place = models.CharField(max_length=200)
    seizure_authority = models.CharField(max_length=120)
    seized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seized_items"
    )
    seal_numbers = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    state = models.CharField(max_length=12, choices=ItemState.choices, default=ItemState.IN_CUSTODY)
    current_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_items",
    )
    last_event = models.ForeignKey(
        "CustodyEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hash_mismatch = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["exhibit_number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "store_identifier"], name="evidence_store_identifier_unique"
            ),
            models.UniqueConstraint(
                fields=["case", "exhibit_number"], name="evidence_case_exhibit_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "exhibit_number"], name="evidence_case_exhibit_idx"),
            models.Index(fields=["current_holder", "state"], name="evidence_holder_idx"),
            models.Index(
                fields=["case"],
                name="evidence_mismatch_idx",
                condition=models.Q(hash_mismatch=True),
            ),
            # The oversight dashboard: items seized, and items submitted to the national
            # database / ICSE, per month of a period. An item's unit is its case's, so the period
            # narrows the rows and the join to the case keeps the unit's. The other time and the
            # case included: each month is then an index-only range scan, need-to-know
            # included (issue 26; without them every item was read from the table).
            models.Index(
                fields=["seized_at"],
                include=["submitted_at", "case"],
                name="evidence_seized_case_idx",
            ),
            models.Index(
                fields=["submitted_at"],
                include=["seized_at", "case"],
                condition=models.Q(submitted_at__isnull=False),
                name="evidence_submitted_case_idx",
            ),
            # The search box: any part of an exhibit number or store id (core/trigrams.py).
            GinIndex(trigram_index_expression("exhibit_number"), name="evidence_exhibit_trgm_idx"),
            GinIndex(trigram_index_expression("store_identifier"), name="evidence_store_trgm_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.exhibit_number} ({self.store_identifier})"

    @property
    def root_exhibit_number(self) -> str:
        return self.root_item.exhibit_number if self.root_item_id else self.exhibit_number


class EvidenceHash(models.Model):
    """A hash value the store computed for an item, with who entered it and when."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="hashes")
    algorithm = models.CharField(max_length=10, choices=HashAlgorithm.choices)
    value = models.CharField(max_length=128)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "algorithm"]
        constraints = [
            models.UniqueConstraint(fields=["item", "algorithm"], name="evidence_hash_one_per_alg"),
            models.CheckConstraint(
                condition=models.Q(value__regex=r"^[0-9a-f]+$"), name="evidence_hash_lower_hex"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    *[
                        models.Q(algorithm=alg, value__regex=rf"^.{{{length}}}$")
                        for alg, length in HEX_LENGTH.items()
                    ],
                    _connector=models.Q.OR,
                ),
                name="evidence_hash_length_for_alg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_algorithm_display()} {self.value}"


class CustodyEvent(models.Model):
    """One link in an item's chain: who released it, who received it, when, where and why.

    Fields follow NIST SP 800-86 §3.1.2, RFC 3227 §4.1, ISO/IEC 27037 and the ACPO principles.
    Times are stored in UTC; ``local_offset_minutes`` keeps the offset of the place it happened,
    so the report can print the time the people there wrote down. Append-only (see module note).
    """

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    local_offset_minutes = models.SmallIntegerField(default=0)
    place = models.CharField(max_length=200, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    external_party = models.CharField(
        max_length=200, blank=True, help_text="A receiver outside Casework (court, owner)."
    )
    purpose = models.CharField(max_length=300, blank=True)
    transfer_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the item changed hands (transfers)."
    )
    authority = models.CharField(max_length=120, blank=True)
    transport_method = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    tool_name = models.CharField(max_length=100, blank=True)
    tool_version = models.CharField(max_length=60, blank=True)
    condition_on_receipt = models.CharField(max_length=300, blank=True)
    seal_state = models.CharField(max_length=10, choices=SealState.choices, blank=True)
    seal_numbers = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    change_made = models.CharField(max_length=300, blank=True)
    change_made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    change_reason = models.CharField(max_length=300, blank=True)
    hash_algorithm = models.CharField(max_length=10, choices=HashAlgorithm.choices, blank=True)
    hash_value = models.CharField(max_length=128, blank=True)
    hash_result = models.CharField(max_length=10, choices=HashResult.choices, blank=True)
    submission_reference = models.CharField(max_length=120, blank=True)
    hash_set_identifier = models.CharField(max_length=120, blank=True)
    count_new = models.PositiveIntegerField(null=True, blank=True)
    count_known = models.PositiveIntegerField(null=True, blank=True)
    count_series_matched = models.PositiveIntegerField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    second_signature_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    second_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["item", "sequence"], name="custody_event_sequence"),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="custody_event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["released", "disposed"])
                | models.Q(second_signature_by__isnull=False),
                name="custody_event_final_countersigned",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="correction") | models.Q(corrects__isnull=False),
                name="custody_event_correction_references",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="transferred") | ~models.Q(transfer_reason=""),
                name="custody_event_transfer_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "started_at"], name="custody_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item.exhibit_number} #{self.sequence} {self.get_kind_display()}"


class CustodyAcknowledgement(models.Model):
    """The receiver's own confirmation that they took the item (append-only)."""

    event = models.OneToOneField(
        CustodyEvent, on_delete=models.PROTECT, related_name="acknowledgement"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.event} acknowledged by {self.acknowledged_by}"


class CustodySignOff(TimeStampedModel):
    """A release or disposal waiting for a supervisor's second signature.

    The requester fills in the event; a different supervisor of the case's unit countersigns it,
    and only then is the custody event written (with both names on it).
    """

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="sign_offs")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    fields = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=SignOffState.choices, default=SignOffState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    event = models.OneToOneField(
        CustodyEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="sign_off"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=models.Q(state="pending"),
                name="custody_signoff_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.item.exhibit_number} ({self.state})"

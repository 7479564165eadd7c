"""Pointer sets: deconfliction between installations without disclosure.

Threat: telling another agency what we hold (a raw identifier, a case number, content) when
all either side needs is "someone over there holds this too, call them". So what leaves is a
keyed fingerprint (HMAC-SHA-256 under a key only the partners hold) and an opaque pointer:
agency, unit, the unit's point of contact, and a random handle that only our database maps to
a case. What arrives is stored the same way. See docs/cooperation.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.core.models import TimeStampedModel

from .choices import Direction, ExchangeChannel, HitState


class SharingUnit(TimeStampedModel):
    """A unit that opted in to pointer sharing, with the point of contact partners are given.

    The rule (docs/cooperation.md): every identifier of the *open* cases (not closed) of an
    opted-in, active unit is in our pointer set; nothing else is."""

    unit = models.OneToOneField(
        "accounts.Unit", on_delete=models.PROTECT, related_name="pointer_sharing"
    )
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return f"{self.unit} ({self.contact_name})"


class OutgoingPointer(models.Model):
    """What our last export said about one case identifier: its handle and fingerprint.

    The handle is random and stable (a partner's hit stays valid across exports); it is the
    only link from a partner's hit back to a case, and it exists only here."""

    identifier = models.OneToOneField(
        "cases.CaseIdentifier",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="outgoing_pointer",
    )
    handle = models.UUIDField(unique=True, default=uuid.uuid4)
    fingerprint = models.BinaryField(max_length=32)
    fingerprint_key_id = models.CharField(max_length=32)

    # Rewritten in bulk by each audited export (``pointers.export``), not captured row by row.
    audit_capture = False

    class Meta:
        indexes = [models.Index(fields=["fingerprint"], name="outgoing_pointer_fp_idx")]

    def __str__(self) -> str:
        return f"pointer {self.handle}"


class PointerExchange(TimeStampedModel):
    """One set sent or received: when, with whom, how many pointers, and the file's digest."""

    direction = models.CharField(max_length=10, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=ExchangeChannel.choices)
    installation = models.ForeignKey(
        "partners.PartnerInstallation",
        on_delete=models.PROTECT,
        related_name="pointer_exchanges",
        null=True,
        blank=True,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    pointer_count = models.PositiveBigIntegerField(default=0)
    contact_count = models.PositiveIntegerField(default=0)
    signing_key_id = models.CharField(max_length=16)
    fingerprint_key_id = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    set_created_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["installation", "-created_at"], name="pointer_exchange_partner_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="sent") | Q(installation__isnull=False),
                name="pointer_exchange_received_names_partner",
            )
        ]


class PartnerContact(models.Model):
    """A point of contact a partner's current set names (agency, unit, person)."""

    installation = models.ForeignKey(
        "partners.PartnerInstallation", on_delete=models.CASCADE, related_name="pointer_contacts"
    )
    exchange = models.ForeignKey(PointerExchange, on_delete=models.CASCADE, related_name="+")
    ref = models.CharField(max_length=32)
    agency = models.CharField(max_length=200)
    unit = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exchange", "ref"], name="partner_contact_ref_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit}, {self.agency})"


class PartnerPointer(models.Model):
    """One pointer of a partner's current set. Ten million rows at national scale, so narrow:
    the fingerprint (32 bytes), the partner's handle (16 bytes) and the contact; the set it came
    in is the contact's. Only the current set of each partner is kept (an import replaces it).

    The table is partitioned by partner (``LIST (installation_id)``, migration 0002): each
    partner's set is a partition of its own, built beside the previous one and swapped in whole
    by the import, which also drops it whole (``services.importing``; docs/cooperation.md). Each
    partition carries the key (contact, handle) and the fingerprint index; rows are never
    inserted through the ORM (there is no partition to take them until an import attaches one).
    """

    pk = models.CompositePrimaryKey("contact_id", "handle")
    # Copied in by the audited import (``pointers.import`` with the file's digest), not captured
    # row by row: ten million ledger events per import would dwarf the ledger.
    audit_capture = False
    # No foreign-key constraints in the database: a partition's are checked when it is attached
    # (a join over ten million rows) and lock the contacts table at the swap. The import writes
    # a set's contacts and pointers together and the swap and a revocation drop them together;
    # deleting a contact through the ORM still deletes its pointers.
    contact = models.ForeignKey(
        PartnerContact,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    handle = models.UUIDField()
    fingerprint = models.BinaryField(max_length=32)
    # The partition key: the partner whose set this pointer is in (the contact's installation).
    installation = models.ForeignKey(
        "partners.PartnerInstallation",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        indexes = [models.Index(fields=["fingerprint"], name="partner_pointer_fp_idx")]

    def __str__(self) -> str:
        return f"partner pointer {self.handle}"


class PointerHit(TimeStampedModel):
    """One of our case identifiers whose fingerprint a partner's current set also holds.

    Copied from the partner's pointer (contact and handle), so the hit outlives the set. The
    lead sees whom to call; nobody here learns the partner's case. ``confirmed_at`` is our
    side's confirmation (a person, after the call), ``partner_confirmed_at`` theirs."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="pointer_hits")
    identifier = models.ForeignKey(
        "cases.CaseIdentifier", on_delete=models.CASCADE, related_name="pointer_hits"
    )
    installation = models.ForeignKey(
        "partners.PartnerInstallation", on_delete=models.PROTECT, related_name="pointer_hits"
    )
    partner_handle = models.UUIDField()
    agency = models.CharField(max_length=200)
    unit = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    contact_email = models.CharField(max_length=254, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=12, choices=HitState.choices, default=HitState.FOUND)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    partner_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier", "installation", "partner_handle"],
                name="pointer_hit_once",
            )
        ]
        indexes = [models.Index(fields=["case", "-created_at"], name="pointer_hit_case_idx")]

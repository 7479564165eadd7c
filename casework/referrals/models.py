from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Cast

from casework.accounts.models import Unit
from casework.cases.choices import Priority
from casework.core.identifiers import (
    DeviceIdKind,
    IdentifierKind,
    IpEvent,
)
from casework.core.models import TimeStampedModel
from casework.core.trigrams import trigram_index_expression
from casework.privacy.identifiers import ProtectedIdentifierMixin, ProtectedIdentifierQuerySet

from .choices import OPEN_STATUSES, IntakeChannel, ReferralStatus, SourceKind
from .clocks import triage_due


class IncidentType(models.Model):
    """A kind of incident a source reports, as a list administrators keep.

    Shipped with the eight types industry reports commonly use (data migration 0003); an
    administrator can rename, add or retire types in the admin without a release. Retired types
    stay on the referrals that used them (``active=False`` only hides them from intake).
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


def triage_seconds_sql() -> models.Expression:
    """``EXTRACT(EPOCH FROM (triaged_at - received_at))::float8``: what ``triage_seconds`` holds."""
    return Cast(
        models.Func(
            models.F("triaged_at"),
            models.F("received_at"),
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
        ),
        models.FloatField(),
    )


def triage_seconds(received_at, triaged_at) -> float | None:
    """The same value in Python: the microseconds between the two, divided by a million and
    correctly rounded (``timedelta / timedelta`` divides the exact integers), as PostgreSQL's
    numeric result cast to a float is."""
    if triaged_at is None:
        return None
    return (triaged_at - received_at) / timedelta(seconds=1)


class Referral(TimeStampedModel):
    """A report that arrived from a source and waits for triage, or has been triaged.

    ``(source_agency, source_reference)`` is unique: a second arrival of the same report is a
    duplicate to link (``DuplicateArrival``), never a second record. Until accepted into a case a
    referral is seen by its receiving unit; afterwards it follows its case's access.

    Our ``priority`` sets the triage clock (``triage_due_at``, from the priority's triage rule,
    see ``casework.referrals.clocks``; empty when the administrator switched the rule off);
    the source's own grading is kept beside it as text, since sources grade differently.
    """

    # db_index=False on unit and case: indexes of Meta.indexes lead with them (referral_case_idx
    # is the same index), so a second one would only cost every intake a write (issue 26).
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source_agency = models.CharField(max_length=200)
    source_reference = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    incident_at = models.DateTimeField(null=True, blank=True)
    incident_type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    jurisdiction = models.CharField(
        max_length=100, blank=True, help_text="Country or area, e.g. GB or GB-ENG."
    )
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    source_priority = models.CharField(
        max_length=60, blank=True, help_text="The source's own grading, as the source wrote it."
    )
    escalation_requested = models.BooleanField(
        default=False, help_text="The source asked for urgent handling."
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.NEW
    )
    summary = models.TextField(blank=True)
    channel = models.CharField(
        max_length=10, choices=IntakeChannel.choices, default=IntakeChannel.WEB
    )
    triage_due_at = models.DateTimeField(null=True, blank=True)
    triage_started_at = models.DateTimeField(null=True, blank=True)
    triage_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    # Seconds from arrival to the end of triage, exactly EXTRACT(EPOCH FROM triaged_at -
    # received_at) as a float (the check constraint below holds every writer to it); set with
    # triaged_at. The dashboard's time-to-triage percentiles sort it from an index instead of
    # computing it per row in numeric arithmetic (issue 26).
    triage_seconds = models.FloatField(null=True, blank=True, editable=False)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(blank=True)
    referred_out_to = models.CharField(max_length=200, blank=True)
    referred_out_reference = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set once by ``referral_dispose_personal_data`` (retention): summary, reasons and
    # identifiers are gone; its page shows the tombstone instead.
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_agency", "source_reference"], name="referral_source_ref_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReferralStatus.ACCEPTED) | models.Q(case__isnull=False),
                name="referral_accepted_has_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReferralStatus.DECLINED) | ~models.Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
            # A writer that sets the triage time without the duration (or with another value)
            # fails here, instead of leaving the referral out of the percentiles.
            models.CheckConstraint(
                condition=models.Q(triage_seconds__isnull=True, triaged_at__isnull=True)
                | models.Q(
                    triage_seconds__isnull=False,
                    triaged_at__isnull=False,
                    triage_seconds=triage_seconds_sql(),
                ),
                name="referral_triage_seconds_exact",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "received_at"], name="referral_queue_idx"),
            models.Index(fields=["case"], name="referral_case_idx"),
            # The queue: a unit's referrals by time left, with keyset pagination on (due, id).
            # The case id included: the oversight figures read "the unit's referrals without a
            # case" (need-to-know of the clocks on them) from this index alone (issue 26).
            models.Index(
                fields=["unit", "triage_due_at", "id"],
                include=["case"],
                name="referral_unit_due_idx",
            ),
            # Waiting referrals that already hang off a case (rare: the queue's other half of
            # need-to-know, "referrals of the cases I may see"), in queue order, so its first
            # page is read in order from a small index; new referrals have no case, so the
            # import writes no entry here (issue 26).
            models.Index(
                fields=["triage_due_at", "id"],
                include=["case"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES), case__isnull=False),
                name="referral_open_cased_due_idx",
            ),
            # Arrival and case included: the dashboard's backlog by age counts a unit's
            # waiting referrals from this index alone, need-to-know included (issue 26).
            models.Index(
                fields=["unit", "triage_due_at", "id"],
                include=["received_at", "case"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="referral_open_due_idx",
            ),
            models.Index(
                fields=["unit", "priority", "triage_due_at"], name="referral_unit_priority_idx"
            ),
            models.Index(
                fields=["unit", "source_kind", "triage_due_at"], name="referral_unit_source_idx"
            ),
            # The oversight dashboard counts a unit's referrals received, and triaged, in a
            # period: (unit, time) answers its WHERE clause exactly; the queue index above has
            # status in between, so it walks every entry of the unit. Only triaged referrals
            # have a triage time, so that index leaves the open ones out.
            # Source and priority included: the weekly counts are then an index-only scan; the
            # case as well, which a supervisor's need-to-know tests (issue 26).
            models.Index(
                fields=["unit", "received_at"],
                include=["source_kind", "priority", "case"],
                name="referral_unit_received_idx",
            ),
            # With what time to triage reads (its total over every priority: the stored
            # duration, not the arrival it was computed from), so that figure is an index-only
            # scan too (issue 26).
            models.Index(
                fields=["unit", "triaged_at"],
                include=["priority", "triage_seconds", "triage_due_at", "case"],
                condition=models.Q(triaged_at__isnull=False),
                name="referral_unit_triage_time_idx",
            ),
            # Time to triage per priority: each priority's triaged referrals of a period are one
            # range of this index, with their durations, so the percentiles sort only them and
            # nothing groups or converts row by row (issue 26).
            models.Index(
                fields=["unit", "priority", "triaged_at"],
                include=["triage_seconds", "triage_due_at", "case"],
                condition=models.Q(triaged_at__isnull=False),
                name="referral_priority_triaged_idx",
            ),
            # The search box: any part of the source's reference (casework/core/trigrams.py).
            GinIndex(trigram_index_expression("source_reference"), name="referral_ref_trgm_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.source_reference}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def save(self, *args, **kwargs) -> None:
        # Services set the clock; this only guards records created directly (fixtures, shell)
        # so that none sorts outside the queue's keyset.
        if self._state.adding and self.triage_due_at is None and self.received_at is not None:
            self.triage_due_at = triage_due(
                unit=self.unit, received_at=self.received_at, priority=self.priority
            )
        super().save(*args, **kwargs)

    def is_overdue(self, now) -> bool:
        return self.is_open and self.triage_due_at is not None and self.triage_due_at < now


class ReferralIdentifier(ProtectedIdentifierMixin, TimeStampedModel):
    """An identifier of the reported person or account, as the source gave it and normalised.

    ``raw`` is what the source sent (it may be read in court); ``normal`` is what deconfliction
    compares (``casework.core.identifiers.normalise_identifier``). Both are stored encrypted
    under the referral's data key (``casework.privacy``) and read back as attributes; lookups
    compare ``fingerprint``, a keyed HMAC of (kind, normal). IP addresses carry the event
    they were captured at, its time and the source port, since a carrier needs all three to
    name a subscriber behind shared addresses.
    """

    privacy_scope = "referral"
    privacy_owner_attr = "referral_id"
    privacy_raw_ct = "raw_ct"
    privacy_normal_ct = "normal_ct"

    objects = ProtectedIdentifierQuerySet.as_manager()

    # No index of its own: referral_identifier_ref_idx (referral, id) leads with it (issue 26).
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="identifiers", db_index=False
    )
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    raw_ct = models.BinaryField()
    normal_ct = models.BinaryField()
    fingerprint = models.BinaryField(max_length=32)
    # For a name qualified by its service: the fingerprint of the name alone (search).
    name_fingerprint = models.BinaryField(max_length=32, null=True, blank=True)
    service = models.CharField(
        max_length=200, blank=True, help_text="The service or provider the account belongs to."
    )
    device_kind = models.CharField(max_length=20, choices=DeviceIdKind.choices, blank=True)
    ip_event = models.CharField(max_length=20, choices=IpEvent.choices, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    match_count = models.PositiveIntegerField(
        default=0, help_text="Cases holding the same identifier when it was recorded."
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(port__isnull=True) | models.Q(port__lte=65535),
                name="referral_identifier_port_range",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "fingerprint"], name="referral_identifier_fp_idx"),
            models.Index(fields=["referral", "id"], name="referral_identifier_ref_idx"),
            # The search box: ``user_8812`` finds ``example-service:user_8812``.
            models.Index(
                fields=["kind", "name_fingerprint"],
                condition=models.Q(name_fingerprint__isnull=False),
                name="referral_ident_name_fp_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.raw}"

    @property
    def raw(self) -> str:
        return self._revealed()[0]

    @property
    def normal(self) -> str:
        return self._revealed()[1]


class DuplicateArrival(models.Model):
    """A second arrival of a report already recorded: linked to the original, never stored twice.

    Sources resend (a corrected report, a retry after a timeout, the same tip through two
    channels). Counting arrivals tells the triaging investigator the source is still pushing.
    """

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="duplicate_arrivals"
    )
    arrived_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=IntakeChannel.choices)
    received_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["referral", "arrived_at"], name="duplicate_arrival_idx")]

    def __str__(self) -> str:
        return f"Duplicate of {self.referral_id} at {self.arrived_at:%Y-%m-%d %H:%M}"

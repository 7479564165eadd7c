"""Retention: rules, reviews, legal holds, disposal requests and tombstones.

Threat addressed: personal data about suspects and child victims kept for ever "just in case"
(EU Law Enforcement Directive Art. 4(1)(e) and 5: no longer than necessary, with time limits and
periodic review; UK MoPI: review, retain or dispose), and the opposite risk: a record destroyed
by one person, by mistake, or while a court still needs it. So every record that leaves active
work gets a review clock; a review is decided by a supervisor; disposal needs two people and is
refused while a legal hold stands or the evidence store still holds an exhibit of the case; and
what was disposed of is remembered as a tombstone that names no person.

Reviews, holds and disposals point at the case or the referral with real foreign keys: the case
and referral rows themselves are kept after disposal (blanked), because oversight counts them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.core.models import TimeStampedModel

from .choices import ALL_OUTCOMES, DisposalStatus, RecordKind, ReviewStatus

# No record goes more than ten years without a review (MoPI reviews at most every ten years;
# the shared validators accept dates at most ten years ahead).
MAX_REVIEW_MONTHS = 120


def _one_record(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(case__isnull=False, referral__isnull=True)
        | Q(case__isnull=True, referral__isnull=False),
        name=name,
    )


def _one_per_record(name: str, condition: Q) -> list[models.UniqueConstraint]:
    """At most one row matching ``condition`` per case, and per referral."""
    return [
        models.UniqueConstraint(
            fields=[field],
            condition=condition & Q(**{f"{field}__isnull": False}),
            name=f"{name}_{field}",
        )
        for field in ("case", "referral")
    ]


class RecordScoped(TimeStampedModel):
    """A row about one case or one referral (exactly one), in the unit that owns it."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def record(self):
        return self.case if self.case_id else self.referral

    @property
    def record_kind(self) -> str:
        return RecordKind.CASE if self.case_id else RecordKind.REFERRAL

    @property
    def record_label(self) -> str:
        """How people name the record; a referral by its number in Casework, never by what
        the source reported."""
        return self.case.number if self.case_id else f"Referral {self.referral_id}"


class RetentionRule(TimeStampedModel):
    """How long a kind of record with an outcome is kept before its first review.

    Versioned: an administrator's edit never changes a row, it adds the next version and marks
    it current, so each review says exactly which version (period and basis) produced it. A rule
    that is not ``active`` starts no review (the record is then kept until someone places a
    review by hand: the schedule page says so).
    """

    record_kind = models.CharField(max_length=10, choices=RecordKind.choices)
    outcome = models.CharField(max_length=30)
    version = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    review_months = models.PositiveSmallIntegerField(
        help_text="Months after the closure or triage when the record is due for review."
    )
    basis = models.CharField(
        max_length=300,
        help_text="Where the period comes from: a law, a code of practice, the unit's policy.",
    )
    active = models.BooleanField(default=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["record_kind", "outcome", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_kind", "outcome", "version"], name="retention_rule_version"
            ),
            models.UniqueConstraint(
                fields=["record_kind", "outcome"],
                condition=Q(current=True),
                name="retention_rule_one_current",
            ),
            models.CheckConstraint(
                condition=Q(review_months__gte=1, review_months__lte=MAX_REVIEW_MONTHS),
                name="retention_rule_months_range",
            ),
            models.CheckConstraint(
                condition=Q(record_kind__in=RecordKind.values), name="retention_rule_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome_label} · {self.review_months} months (v{self.version})"

    @property
    def outcome_label(self) -> str:
        return dict(ALL_OUTCOMES).get(f"{self.record_kind}:{self.outcome}", self.outcome)


class RetentionReview(RecordScoped):
    """One review of a record: due at ``due_at`` for a supervisor of its unit, met by its
    decision (retain, dispose, hold). A retained record gets its next review as a new row
    (``previous`` points back), so the history of decisions is the chain of rows."""

    rule = models.ForeignKey(
        RetentionRule, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    deadline = models.ForeignKey(
        "deadlines.Deadline", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_review"
    )
    why_started = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            _one_record("retention_review_one_record"),
            *_one_per_record("retention_review_one_pending", Q(status=ReviewStatus.PENDING)),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=ReviewStatus.PENDING) & Q(decided_at__isnull=False)),
                name="retention_review_decided_iff_not_pending",
            ),
        ]
        indexes = [
            # The review queue: a unit's pending reviews by due time, keyset on (due, id).
            models.Index(
                fields=["unit", "due_at", "id"],
                condition=Q(status=ReviewStatus.PENDING),
                name="retention_review_queue_idx",
            ),
            models.Index(fields=["case"], name="retention_review_case_idx"),
            models.Index(fields=["referral"], name="retention_review_referral_idx"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.record_label} due {self.due_at:%Y-%m-%d}"


class LegalHold(RecordScoped):
    """A supervisor's order that nothing of a record is disposed of, with its authority.

    While a hold stands the record has no review clock (the review it interrupted is recorded
    as decided "held"); lifting it, a separate act, starts a new review."""

    reason = models.TextField()
    authority = models.CharField(
        max_length=200, help_text="What orders the hold: a court order reference, a request."
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _one_record("legal_hold_one_record"),
            *_one_per_record("legal_hold_one_active", Q(lifted_at__isnull=True)),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True)
                | (Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="legal_hold_lift_says_who_and_why",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "created_at"],
                condition=Q(lifted_at__isnull=True),
                name="legal_hold_active_idx",
            ),
            models.Index(fields=["case"], name="legal_hold_case_idx"),
            models.Index(fields=["referral"], name="legal_hold_referral_idx"),
        ]

    def __str__(self) -> str:
        return f"Legal hold on {self.record_label}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class DisposalRequest(RecordScoped):
    """A request to dispose of a record's personal data, approved by a second supervisor.

    The database holds the two-person rule too: the approver is never the requester."""

    review = models.ForeignKey(
        RetentionReview, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        RetentionRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            _one_record("disposal_request_one_record"),
            *_one_per_record("disposal_request_one_pending", Q(status=DisposalStatus.PENDING)),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="disposal_request_two_people",
            ),
            models.CheckConstraint(
                condition=Q(status=DisposalStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=DisposalStatus.PENDING) & Q(decided_at__isnull=False)),
                name="disposal_request_decided_iff_not_pending",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "created_at", "id"],
                condition=Q(status=DisposalStatus.PENDING),
                name="disposal_request_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Disposal of {self.record_label} ({self.get_status_display()})"


class Tombstone(models.Model):
    """What remains of a disposed record: what it was, when, who asked, who approved, under
    which rule. It names no person: the kind, the case number or the referral's number in
    Casework, and counts of what was removed."""

    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    record_kind = models.CharField(max_length=10, choices=RecordKind.choices)
    record_id = models.BigIntegerField()
    label = models.CharField(max_length=60)
    disposal = models.OneToOneField(
        DisposalRequest, on_delete=models.PROTECT, related_name="tombstone"
    )
    rule = models.ForeignKey(
        RetentionRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disposed_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    removed = models.JSONField(default=dict, help_text="How many rows of each kind were removed.")

    class Meta:
        ordering = ["-disposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_kind", "record_id"], name="tombstone_once_per_record"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "-disposed_at", "-id"], name="tombstone_unit_idx"),
            models.Index(fields=["-disposed_at", "-id"], name="tombstone_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label} disposed {self.disposed_at:%Y-%m-%d}"

    @property
    def removed_summary(self) -> str:
        """ "identifiers 3, notes 2": what the owning apps removed or blanked, by kind."""
        parts = [
            f"{kind.replace('_', ' ')} {count}" for kind, count in self.removed.items() if count
        ]
        return ", ".join(parts) or "nothing beyond the record's own fields"

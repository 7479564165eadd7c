from __future__ import annotations

from django.conf import settings
from django.db import models

from casework.core.models import TimeStampedModel


class CaseReview(TimeStampedModel):
    """A supervisor's periodic review of an open case: what was looked at, what was decided,
    and when the case is to be reviewed next.

    The next review date becomes a ``case_review`` deadline in the deadlines app (reminded and
    escalated there); ``deadline_reference`` names it. Reviews are a record of supervision and
    are never edited: a second thought is a new review.
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="oversight_reviews"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    notes = models.TextField(help_text="What was reviewed, in neutral words.")
    decisions = models.TextField(blank=True, help_text="What was decided, and by whom to do.")
    next_review_at = models.DateTimeField()
    deadline_reference = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(next_review_at__gt=models.F("reviewed_at")),
                name="case_review_next_after_review",
            )
        ]
        indexes = [
            models.Index(fields=["case", "-reviewed_at", "-id"], name="case_review_case_idx"),
        ]

    def __str__(self) -> str:
        return f"Review of {self.case_id} on {self.reviewed_at:%Y-%m-%d}"


class AuditReview(models.Model):
    """The weekly audit review: someone responsible looked at the week's flags and says so.

    One per reviewer and week (``week`` is the Monday). Append-only: a later finding is a new
    review, not an edit. The table kept its name when the model moved here from the audit app
    (migrations audit 0010 / oversight 0002 moved only Django's state), so the ledger's
    append-only guard, installed by audit migration 0005, still refuses UPDATE and DELETE on it.
    """

    # Never captured row by row: ``audit_review_record`` records each review as its own
    # ``audit.review`` event, as it did while the ledger (which captures none of its own
    # tables) owned this model.
    audit_capture = False

    week = models.DateField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="audit_reviews"
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_reviews",
    )
    flags_seen = models.IntegerField(default=0)
    findings = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "audit_auditreview"
        ordering = ["-week", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["week", "reviewer"], name="audit_review_once_a_week")
        ]
        indexes = [models.Index(fields=["unit", "week"], name="audit_review_unit_week_idx")]

    def __str__(self) -> str:
        return f"audit review of week {self.week:%Y-%m-%d} by {self.reviewer_id}"


class FigureSnapshot(models.Model):
    """The administrators' all-units figures as computed at one moment (issue 26).

    Over every unit a year's figures read about a million referrals, clocks and assignments:
    about a second of PostgreSQL's CPU at national scale, more than the page may take. The
    scheduler recomputes the period presets every ``CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS``
    (``snapshots.refresh_every_unit``) and the page shows the stored tables with the moment
    they were computed; "Recompute now" computes them at the request. A supervisor's figures
    are never stored: they pass through need-to-know, which can change at any moment.

    ``tables`` holds each figure's columns and rows exactly (``snapshots.encode``): counts,
    measures, labels and the names of staff on the caseload table; nothing about a subject.
    """

    # Not captured row by row: a snapshot is derived from records the ledger has captured, it
    # is replaced every few minutes, and an event per refresh would repeat the tables' counts
    # in the ledger for ever (docs/audit.md, "What is not captured row by row").
    audit_capture = False

    key = models.CharField(max_length=120, unique=True)
    computed_at = models.DateTimeField()
    compute_ms = models.PositiveIntegerField()
    tables = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["computed_at"], name="figure_snapshot_computed_idx")]

    def __str__(self) -> str:
        return f"{self.key} at {self.computed_at:%Y-%m-%d %H:%M:%S}"

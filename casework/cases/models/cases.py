"""The case and who works it: numbering, assignments, guardian's permission tables, closure
requests and transfers between units."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.accounts.models import Unit
from casework.core.models import TimeStampedModel
from casework.core.trigrams import trigram_index_expression

from ..choices import CaseStatus, ClosureOutcome, ClosureRequestStatus, Priority, TransferStatus


class Case(TimeStampedModel):
    """An investigation owned by a unit, led by one investigator, with assigned investigators.

    The number (``NORTH-2026-000123``) is what people say and what URLs carry; it is gap-free per
    unit and year (see ``CaseNumberSequence``). Access is need-to-know: lead and assignees hold
    guardian object permissions on the case, the unit's supervisors see all of the unit's cases
    (``casework.cases.selectors``).
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(max_length=40, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_cases"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="created_cases",
        null=True,
        blank=True,
    )
    summary = models.TextField(
        blank=True, help_text="What the case is about, in neutral words; never describe content."
    )
    closure_outcome = models.CharField(max_length=30, choices=ClosureOutcome.choices, blank=True)
    closure_reason = models.TextField(blank=True)
    # A duplicate merged into its original (``case_merge``): closed, kept so that its number
    # still finds the case, and its page leads to the original.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    # Set once by ``case_dispose_personal_data`` (retention): the personal fields of the case
    # and of everything under it are gone; its page shows the tombstone instead.
    disposed_at = models.DateTimeField(null=True, blank=True)
    # Search over number and title: the case list's search box uses this GIN index.
    search_vector = models.GeneratedField(
        expression=SearchVector("number", "title", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        permissions = [("view_case_content", "Can see the content of the case")]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "sequence"], name="case_number_unique"),
            models.CheckConstraint(
                condition=models.Q(status=CaseStatus.CLOSED, closed_at__isnull=False)
                | (~models.Q(status=CaseStatus.CLOSED) & models.Q(closed_at__isnull=True)),
                name="case_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True)
                | models.Q(status=CaseStatus.CLOSED, closure_outcome=ClosureOutcome.MERGED),
                name="case_merged_is_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "-opened_at"], name="case_unit_status_idx"),
            models.Index(fields=["lead", "status"], name="case_lead_status_idx"),
            models.Index(fields=["-opened_at", "-id"], name="case_opened_keyset_idx"),
            models.Index(
                fields=["unit", "priority", "-opened_at", "-id"], name="case_unit_priority_idx"
            ),
            GinIndex(fields=["search_vector"], name="case_search_idx"),
            # Prefix search on the number ("NORTH-2026-0001…") needs pattern ops under a
            # non-C collation.
            models.Index(
                fields=["number"], name="case_number_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            # The oversight dashboard's case outcomes: a unit's cases closed in a period.
            models.Index(
                fields=["unit", "closed_at"],
                condition=models.Q(status=CaseStatus.CLOSED),
                name="case_unit_closed_idx",
            ),
            # The caseload figure (oversight): cases not closed per lead, and the ids of the
            # cases not closed that the assignments are counted against, from this index alone
            # instead of the whole table (issue 26).
            models.Index(
                fields=["unit", "lead"],
                include=["priority", "id"],
                condition=~models.Q(status=CaseStatus.CLOSED),
                name="case_open_lead_idx",
            ),
            # The search box: any part of a number or a title (casework/core/trigrams.py).
            GinIndex(trigram_index_expression("number"), name="case_number_trgm_idx"),
            GinIndex(trigram_index_expression("title"), name="case_title_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class CaseAssignment(TimeStampedModel):
    """An investigator assigned to a case (besides its lead)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_assignment_unique")
        ]
        indexes = [models.Index(fields=["user", "case"], name="case_assignment_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.case}"


class CaseNumberSequence(models.Model):
    """The last number issued per unit and year; row-locked while a case is opened (gap-free)."""

    # Not captured row by row (issue 26): every value it takes is the ``sequence`` of the case
    # opened in the same transaction, which the ledger records twice (the captured
    # ``cases_case`` row and ``case.create``'s number); capturing the counter too cost every
    # case opening a ledger event that said nothing new (docs/audit.md, "What is not captured
    # row by row").
    audit_capture = False

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="case_sequence_unit_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit.case_prefix}-{self.year}: {self.last_value}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct-FK permission table for cases: fast ``Exists()`` subqueries, real FKs."""

    # A named reverse relation is required: guardian finds direct-FK tables through it.
    content_object = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="user_object_permissions"
    )

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["user", "content_object"], name="case_user_perm_idx"),
        ]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="group_object_permissions"
    )


class CaseClosureRequest(TimeStampedModel):
    """A request to close a case, decided by a supervisor of the case's unit (four eyes).

    At most one request per case is pending (partial unique constraint). Approval closes the
    case and copies reason and outcome onto it; rejection leaves the case as it was.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="closure_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    outcome = models.CharField(max_length=30, choices=ClosureOutcome.choices)
    status = models.CharField(
        max_length=12, choices=ClosureRequestStatus.choices, default=ClosureRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # The open items the requester carried past closure, each ``{key, group, label, reason}``
    # (see casework.cases.closure). Kept as asked, so the decision can be checked against it.
    carried = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status=ClosureRequestStatus.PENDING),
                name="case_closure_one_pending",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ClosureRequestStatus.PENDING, decided_at__isnull=True)
                | (
                    ~models.Q(status=ClosureRequestStatus.PENDING)
                    & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                ),
                name="case_closure_decided_iff_not_pending",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "created_at"],
                condition=models.Q(status=ClosureRequestStatus.PENDING),
                name="case_closure_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Closure of {self.case} ({self.get_status_display()})"


class CaseTransfer(TimeStampedModel):
    """A case handed from one unit to another of the same installation.

    The sending unit's supervisor proposes; a supervisor of the receiving unit accepts (naming
    the new lead) or declines with a reason. Once accepted the row is what the sending unit
    keeps: a read-only stub saying where the case went, when and who took it, since the case
    itself is no longer theirs to see. At most one proposal per case is pending.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    # The number and title as the sending unit knew them: the stub outlives their access.
    number = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    reason = models.TextField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    new_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status=TransferStatus.PENDING),
                name="case_transfer_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_unit=models.F("to_unit")), name="case_transfer_two_units"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=TransferStatus.DECLINED) | ~models.Q(decision_note=""),
                name="case_transfer_decline_says_why",
            ),
        ]
        indexes = [
            models.Index(fields=["to_unit", "status"], name="case_transfer_to_idx"),
            models.Index(fields=["from_unit", "status"], name="case_transfer_from_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} to {self.to_unit}"

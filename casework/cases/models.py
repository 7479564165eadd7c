from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.accounts.models import Unit
from casework.core.identifiers import (
    DeviceIdKind,
    IdentifierKind,
    IpEvent,
)
from casework.core.models import TimeStampedModel
from casework.core.trigrams import trigram_index_expression
from casework.privacy.identifiers import ProtectedIdentifierMixin, ProtectedIdentifierQuerySet
from casework.privacy.texts import ProtectedText, ProtectedTextMixin, ProtectedTextQuerySet

from .choices import (
    CaseStatus,
    ClosureOutcome,
    ClosureRequestStatus,
    Priority,
    SubjectRole,
    TransferStatus,
    VictimIdentification,
)


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


class CaseIdentifier(ProtectedIdentifierMixin, TimeStampedModel):
    """An identifier of a reported person or account held by a case (e-mail, IP, phone…).

    ``raw_value`` is what the source sent (it may be read in court); ``normal_value`` is what
    deconfliction compares (``casework.core.identifiers.normalise_identifier``). Both are stored
    encrypted under the case's data key (``casework.privacy``) and read back as attributes;
    lookups compare ``fingerprint``, a keyed HMAC of (kind, normal value), so the index on
    (kind, fingerprint, case) makes the lookup across every case an index-only scan.
    ``source_referral_id`` is a plain integer, not a foreign key: referrals depend on cases,
    never the other way round.
    """

    privacy_scope = "case"
    privacy_owner_attr = "case_id"
    privacy_raw_ct = "raw_value_ct"
    privacy_normal_ct = "normal_value_ct"

    objects = ProtectedIdentifierQuerySet.as_manager()

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    raw_value_ct = models.BinaryField()
    normal_value_ct = models.BinaryField()
    fingerprint = models.BinaryField(max_length=32)
    # For a name qualified by its service: the fingerprint of the name alone (search).
    name_fingerprint = models.BinaryField(max_length=32, null=True, blank=True)
    service = models.CharField(max_length=100, blank=True)
    device_kind = models.CharField(max_length=20, choices=DeviceIdKind.choices, blank=True)
    ip_event = models.CharField(max_length=20, choices=IpEvent.choices, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    source_referral_id = models.BigIntegerField(null=True, blank=True)
    subject = models.ForeignKey(
        "CaseSubject",
        on_delete=models.SET_NULL,
        related_name="identifiers",
        null=True,
        blank=True,
        help_text="The person the identifier is attributed to, when known.",
    )

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "fingerprint"], name="case_identifier_unique_fp"
            ),
            models.CheckConstraint(
                condition=models.Q(port__isnull=True) | models.Q(port__lte=65535),
                name="case_identifier_port_range",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "fingerprint", "case"], name="case_identifier_fp_idx"),
            # The search box: ``user_8812`` finds ``example-service:user_8812``.
            models.Index(
                fields=["kind", "name_fingerprint"],
                condition=models.Q(name_fingerprint__isnull=False),
                name="case_identifier_name_fp_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.raw_value}"

    @property
    def raw_value(self) -> str:
        return self._revealed()[0]

    @property
    def normal_value(self) -> str:
        return self._revealed()[1]


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


def pseudonym_for(sequence: int) -> str:
    """1 -> "Subject A", 26 -> "Subject Z", 27 -> "Subject AA" (spreadsheet columns)."""
    letters = ""
    while sequence > 0:
        sequence, remainder = divmod(sequence - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"Subject {letters}"


class CaseSubject(ProtectedTextMixin, TimeStampedModel):
    """A person in a case (suspect, victim, witness), shown by pseudonym ("Subject A").

    Pages, lists and notices name people by pseudonym only; identifying details of a victim
    live in the protected ``VictimRecord``. The description often repeats an identifier or
    describes the person, so it is encrypted under the case's data key (``casework.privacy``).
    """

    privacy_scope = "case"
    privacy_owner_attr = "case_id"
    objects = ProtectedTextQuerySet.as_manager()
    description = ProtectedText("description_ct")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    sequence = models.PositiveIntegerField()
    role = models.CharField(max_length=12, choices=SubjectRole.choices)
    # "Neutral, e.g. 'Holder of account user_8812'", at most 300 characters; NULL when empty.
    description_ct = models.BinaryField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["case", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="case_subject_sequence")
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def pseudonym(self) -> str:
        return pseudonym_for(self.sequence)


class VictimRecord(ProtectedTextMixin, TimeStampedModel):
    """The protected record of a victim: identification, database references, safeguarding.

    Seen only by the case's lead, its assignees and the unit's supervisors (not by an
    administrator granted the case), and every view is audited with the stated reason
    (``casework.cases.selectors.victim_record_view``). The ICSE and national references are
    encrypted under the case's data key: with access to those databases they lead to the
    person. The identification status and its dates stay plain: oversight counts them.
    """

    privacy_scope = "case"
    privacy_owner_attr = "case_id"
    objects = ProtectedTextQuerySet.as_manager()
    icse_reference = ProtectedText("icse_reference_ct")
    national_reference = ProtectedText("national_reference_ct")

    subject = models.OneToOneField(
        CaseSubject, on_delete=models.CASCADE, related_name="victim_record"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="victim_records")
    identification = models.CharField(
        max_length=14,
        choices=VictimIdentification.choices,
        default=VictimIdentification.UNIDENTIFIED,
    )
    # At most 100 characters each; NULL when empty (oversight counts "with an ICSE reference").
    icse_reference_ct = models.BinaryField(null=True, blank=True)
    national_reference_ct = models.BinaryField(null=True, blank=True)
    identified_at = models.DateTimeField(null=True, blank=True)
    safeguarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case", "identification"], name="victim_case_idx"),
            # The oversight dashboard counts victims identified, and safeguarded, per month of a
            # period. A victim record has no unit of its own: the period narrows the rows, the
            # join to the case then keeps the unit's. Measured, the planner prefers these to
            # (case, time), which would take one probe per case of the unit.
            models.Index(
                fields=["identified_at"],
                condition=models.Q(identified_at__isnull=False),
                name="victim_identified_idx",
            ),
            models.Index(
                fields=["safeguarded_at"],
                condition=models.Q(safeguarded_at__isnull=False),
                name="victim_safeguarded_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Victim record of {self.subject}"


class SafeguardingAction(ProtectedTextMixin, TimeStampedModel):
    """Something done to protect a victim (a referral to social services, a visit…).

    The words are encrypted under the case's data key: they say where a child was placed or
    who was visited. ``case`` repeats the victim record's case so that a page of actions finds
    its key without a join (and a merge or a disposal finds the actions of a case directly).
    """

    privacy_scope = "case"
    privacy_owner_attr = "case_id"
    objects = ProtectedTextQuerySet.as_manager()
    action = ProtectedText("action_ct")

    victim = models.ForeignKey(
        VictimRecord, on_delete=models.CASCADE, related_name="safeguarding_actions"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # At most 300 characters, never empty.
    action_ct = models.BinaryField()
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return self.action


class CaseNote(ProtectedTextMixin, models.Model):
    """An entry in the case's log. Append-only: a database trigger refuses UPDATE, and a
    correction is a new note whose ``corrects`` points at the note it replaces. The body is
    encrypted under the case's data key: notes record calls, visits and what people said, so
    they name people far more often than the guidance says they should."""

    privacy_scope = "case"
    privacy_owner_attr = "case_id"
    body = ProtectedText("body_ct")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body_ct = models.BinaryField()
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="corrections", null=True, blank=True
    )
    created_at = models.DateTimeField(db_index=True)

    objects = ProtectedTextQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="case_note_case_idx")]

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.case_id}"


class CaseTask(TimeStampedModel):
    """A piece of work on a case, optionally assigned and due."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="case_tasks",
        null=True,
        blank=True,
    )
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True) | models.Q(done_by__isnull=False),
                name="case_task_done_by_when_done",
            )
        ]
        indexes = [
            models.Index(
                fields=["assignee", "due_at"],
                condition=models.Q(done_at__isnull=True),
                name="case_task_open_idx",
            ),
            models.Index(fields=["case", "done_at"], name="case_task_case_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


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

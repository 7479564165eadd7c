"""What a case holds: identifiers, subjects and their victim records, notes and tasks. The
personal parts are encrypted under the case's data key (``casework.privacy``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent
from casework.core.models import TimeStampedModel
from casework.privacy.identifiers import ProtectedIdentifierMixin, ProtectedIdentifierQuerySet
from casework.privacy.texts import ProtectedText, ProtectedTextMixin, ProtectedTextQuerySet

from ..choices import SubjectRole, VictimIdentification
from .cases import Case


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

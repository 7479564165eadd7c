"""The case API's serializers: output per record, input per action."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.accounts.models import User
from casework.core.errors import DomainError
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent, normalise_identifier
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer

from .. import chronology, closure, selectors
from ..choices import REQUESTABLE_OUTCOMES, CaseStatus, Priority, SubjectRole, VictimIdentification
from ..models import Case, CaseClosureRequest, CaseIdentifier, CaseNote, CaseSubject, CaseTask


class CasePersonSerializer(CaseworkModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "name", "email", "phone"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class CaseSerializer(CaseworkModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead = CasePersonSerializer(read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "title",
            "unit",
            "priority",
            "status",
            "lead",
            "opened_at",
            "closed_at",
            "closure_outcome",
        ]


class CaseClosureRequestSerializer(CaseworkModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseClosureRequest
        fields = [
            "id",
            "status",
            "outcome",
            "reason",
            "requested_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class CaseDetailSerializer(CaseSerializer):
    assignees = serializers.SerializerMethodField()
    pending_closure = serializers.SerializerMethodField()
    merged_into = serializers.SlugRelatedField(
        slug_field="number", read_only=True, help_text="The original, for a merged duplicate."
    )

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "summary",
            "closure_reason",
            "merged_into",
            "assignees",
            "pending_closure",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_assignees(self, case) -> list[str]:
        return [a.user.username for a in selectors.case_assignees(case)]

    @extend_schema_field(CaseClosureRequestSerializer(allow_null=True))
    def get_pending_closure(self, case) -> dict | None:
        pending = selectors.pending_closure(case)
        return CaseClosureRequestSerializer(pending).data if pending else None


class CaseCreateSerializer(CaseworkSerializer):
    title = serializers.CharField(max_length=200)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P3)
    lead = serializers.CharField(
        required=False, help_text="User name of the lead (default: you); same unit."
    )
    template = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Id of an active case template (/api/v1/case_templates/templates/): its "
        "tasks, clocks and checklist are added as the case opens.",
    )


class CaseTransitionSerializer(CaseworkSerializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CaseCloseRequestSerializer(CaseworkSerializer):
    reason = serializers.CharField()
    outcome = serializers.ChoiceField(choices=REQUESTABLE_OUTCOMES)


class CaseCloseCarryingSerializer(CaseCloseRequestSerializer):
    carried = serializers.DictField(
        child=serializers.CharField(max_length=500),
        required=False,
        default=dict,
        help_text="Open item key (e.g. ``deadline:12``) → why it is carried past closure.",
    )


class CarriedItemSerializer(CaseworkSerializer):
    key = serializers.CharField()
    group = serializers.CharField()
    label = serializers.CharField()
    due_at = serializers.DateTimeField(
        allow_null=True, read_only=True, help_text="When the item was due (null for none)."
    )
    reason = serializers.CharField()


class CaseClosureCarriedSerializer(CaseClosureRequestSerializer):
    carried = CarriedItemSerializer(many=True, read_only=True)

    class Meta(CaseClosureRequestSerializer.Meta):
        fields = [*CaseClosureRequestSerializer.Meta.fields, "carried"]


class CaseClosureDecisionSerializer(CaseworkSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseIdentifierSerializer(CaseworkModelSerializer):
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Decrypted for those the selectors let see the case; "[disposed]" once its key is gone.
    raw_value = serializers.CharField(read_only=True)
    normal_value = serializers.CharField(read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = CaseIdentifier
        fields = [
            "id",
            "kind",
            "raw_value",
            "normal_value",
            "service",
            "device_kind",
            "ip_event",
            "observed_at",
            "port",
            "subject",
            "source_referral_id",
            "added_by",
            "created_at",
        ]

    def get_subject(self, identifier) -> str | None:
        return identifier.subject.pseudonym if identifier.subject_id else None


class DeconflictionMatchSerializer(CaseworkSerializer):
    """A deconfliction match. For a case you cannot see, only ``unit_*`` and ``lead_*`` are
    given; ``case_number`` and ``case_title`` are null."""

    kind = serializers.CharField()
    normal_value = serializers.CharField()
    visible = serializers.BooleanField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    lead_name = serializers.CharField()
    lead_email = serializers.CharField()
    lead_phone = serializers.CharField()
    case_number = serializers.CharField(allow_null=True)
    case_title = serializers.CharField(allow_null=True)


class CaseIdentifierInputSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(max_length=500, help_text="As the source gave it.")
    service = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    device_kind = serializers.ChoiceField(
        choices=DeviceIdKind.choices, required=False, allow_blank=True, default=""
    )
    ip_event = serializers.ChoiceField(
        choices=IpEvent.choices, required=False, allow_blank=True, default=""
    )
    observed_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    port = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=65535
    )
    subject = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of a subject of the case.",
    )

    def validate(self, data):
        _normal_form(data)
        return data


class CaseIdentifierAddedSerializer(CaseworkSerializer):
    identifier = CaseIdentifierSerializer()
    matches = DeconflictionMatchSerializer(many=True)


class DeconflictLookupSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(max_length=500)
    service = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    device_kind = serializers.ChoiceField(
        choices=DeviceIdKind.choices, required=False, allow_blank=True, default=""
    )

    def validate(self, data):
        data["normal_value"] = _normal_form(data)
        return data


def _normal_form(data: dict) -> str:
    """The identifier's comparable form, or a 400 naming the field that is wrong.

    Checked here, before any service runs, so that a value the normaliser cannot even parse
    (``http://[x`` makes the URL parser raise ``ValueError``) is a located 400, not a 500."""
    try:
        return normalise_identifier(
            data["kind"],
            data["value"],
            service=data.get("service", ""),
            device_kind=data.get("device_kind", ""),
        )
    except DomainError as error:
        raise serializers.ValidationError(
            {e.field or "value": e.message for e in error.errors}
        ) from error
    except ValueError as error:
        raise serializers.ValidationError(
            {"value": f"{data['value']!r} cannot be read as a {data['kind']}."}
        ) from error


class CaseSubjectSerializer(CaseworkModelSerializer):
    pseudonym = serializers.CharField(read_only=True)
    # Decrypted for the reader (casework.privacy.texts); "[disposed]" once shredded.
    description = serializers.CharField(read_only=True)

    class Meta:
        model = CaseSubject
        fields = ["id", "pseudonym", "role", "description", "created_at"]


class CaseSubjectInputSerializer(CaseworkSerializer):
    role = serializers.ChoiceField(choices=SubjectRole.choices)
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )


class CaseNoteSerializer(CaseworkModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    body = serializers.CharField(read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "author", "body", "corrects", "created_at"]


class CaseNoteInputSerializer(CaseworkSerializer):
    body = serializers.CharField()
    corrects = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of the note this corrects.",
    )


class CaseTaskSerializer(CaseworkModelSerializer):
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = CaseTask
        fields = ["id", "title", "assignee", "due_at", "done_at", "done_by", "created_at"]


class CaseTaskInputSerializer(CaseworkSerializer):
    title = serializers.CharField(max_length=200)
    assignee = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="User name, on the case."
    )
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CaseTaskStateSerializer(CaseworkSerializer):
    done = serializers.BooleanField()


class VictimSafeguardingSerializer(CaseworkSerializer):
    action = serializers.CharField()
    taken_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.username")


class VictimRecordSerializer(CaseworkSerializer):
    id = serializers.IntegerField()
    pseudonym = serializers.CharField(source="subject.pseudonym")
    identification = serializers.ChoiceField(choices=VictimIdentification.choices)
    icse_reference = serializers.CharField()
    national_reference = serializers.CharField()
    identified_at = serializers.DateTimeField(allow_null=True)
    safeguarded_at = serializers.DateTimeField(allow_null=True)
    safeguarding_actions = VictimSafeguardingSerializer(
        many=True, source="safeguarding_actions.all"
    )


class VictimRecordInputSerializer(CaseworkSerializer):
    identification = serializers.ChoiceField(choices=VictimIdentification.choices, required=False)
    icse_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    national_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    safeguarding_action = serializers.CharField(
        max_length=300, required=False, help_text="Record one safeguarding action taken now."
    )


class ChronologyEntrySerializer(CaseworkSerializer):
    occurred_at = serializers.DateTimeField(help_text="In the caller's time zone.")
    kind = serializers.ChoiceField(choices=list(chronology.KINDS))
    actor = serializers.CharField()
    text = serializers.CharField(help_text="The action in plain words, after the actor's name.")
    url = serializers.CharField(help_text="Web page of the record the action concerns.")
    event_id = serializers.IntegerField(
        allow_null=True, help_text="Audit event id; supervisors and auditors only, else null."
    )


class ChronologyPageSerializer(CaseworkSerializer):
    next = serializers.CharField(allow_null=True)
    results = ChronologyEntrySerializer(many=True)


class OpenItemSerializer(CaseworkSerializer):
    key = serializers.CharField()
    group = serializers.ChoiceField(choices=list(closure.ORDER))
    label = serializers.CharField()
    url = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    blocking = serializers.BooleanField(
        help_text="False for what closing ends by itself (the periodic case review)."
    )
    carried = serializers.BooleanField(help_text="Carried by the pending closure request.")


class ClosureChecklistSerializer(CaseworkSerializer):
    open_items = OpenItemSerializer(many=True)
    pending = CaseClosureCarriedSerializer(allow_null=True)

"""Serializers of the partners API: output per record, input per use (create, patch, move)."""

from __future__ import annotations

from rest_framework import serializers

from casework.core.serializers import (
    CaseworkModelSerializer,
    CaseworkSerializer,
    StartedClockSerializer,
)

from ..choices import (
    REQUEST_TRANSITIONS,
    AgencyKind,
    Channel,
    Direction,
    HandlingCode,
    LegalBasis,
    RequestKind,
    RequestStatus,
)
from ..models import Agency, Communication, Contact, ContactVersion, PartnerRequest


class ContactSummarySerializer(CaseworkModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "role"]


class AgencySerializer(CaseworkModelSerializer):
    duty_contact = ContactSummarySerializer(read_only=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "country",
            "kind",
            "icse_connected",
            "duty_contact",
            "duty_line",
            "notes",
            "created_at",
            "updated_at",
        ]


class AgencyInputSerializer(CaseworkSerializer):
    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=10, help_text="ISO 3166-1 alpha-2, e.g. FR.")
    kind = serializers.ChoiceField(choices=AgencyKind.choices)
    icse_connected = serializers.BooleanField(default=False)
    duty_line = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class AgencyPatchSerializer(AgencyInputSerializer):
    duty_contact = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Id of a contact of this agency."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class ContactSerializer(CaseworkModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "agency",
            "name",
            "role",
            "email",
            "phone",
            "secure_channel",
            "languages",
            "time_zone",
            "active",
            "version",
            "updated_at",
        ]


class ContactInputSerializer(CaseworkSerializer):
    name = serializers.CharField(max_length=200)
    role = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    secure_channel = serializers.CharField(max_length=200, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=3), required=False, help_text="ISO 639 codes."
    )
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class ContactPatchSerializer(ContactInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False


class ContactVersionSerializer(CaseworkModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ContactVersion
        fields = ["version", "snapshot", "changed_by", "changed_at"]


class RecordField(CaseworkSerializer):
    """Where the work hangs: a case number or a referral id (exactly one)."""

    case = serializers.CharField(required=False, help_text="Case number, e.g. NORTH-2026-000001.")
    referral = serializers.IntegerField(required=False, min_value=1, help_text="Referral id.")


class AgencySummarySerializer(CaseworkModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "country", "kind"]


class CommunicationSerializer(CaseworkModelSerializer):
    case = serializers.SerializerMethodField()
    agency = AgencySummarySerializer(read_only=True)
    contact = ContactSummarySerializer(read_only=True)
    handling_code_label = serializers.SerializerMethodField()
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Communication
        fields = [
            "id",
            "case",
            "referral",
            "occurred_at",
            "direction",
            "channel",
            "agency",
            "contact",
            "handling_code",
            "handling_code_label",
            "summary",
            "request",
            "recorded_by",
            "created_at",
        ]

    def get_case(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None

    def get_handling_code_label(self, obj) -> str:
        return obj.get_handling_code_display() if obj.handling_code else ""


class CommunicationInputSerializer(RecordField):
    occurred_at = serializers.DateTimeField(required=False)
    direction = serializers.ChoiceField(choices=Direction.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    agency = serializers.IntegerField(min_value=1)
    contact = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices, required=False, allow_blank=True
    )
    summary = serializers.CharField()
    request = serializers.UUIDField(required=False, allow_null=True)


class PartnerRequestSerializer(CaseworkModelSerializer):
    case = serializers.SerializerMethodField()
    agency = AgencySummarySerializer(read_only=True)
    contact = ContactSummarySerializer(read_only=True)
    allowed_next = serializers.SerializerMethodField()

    class Meta:
        model = PartnerRequest
        fields = [
            "id",
            "case",
            "referral",
            "direction",
            "kind",
            "legal_basis",
            "agency",
            "contact",
            "status",
            "allowed_next",
            "handling_code",
            "summary",
            "external_reference",
            "sent_at",
            "acknowledged_at",
            "answered_at",
            "closed_at",
            "answer_note",
            "created_at",
        ]

    def get_case(self, obj) -> str | None:
        return obj.case.number if obj.case_id else None

    def get_allowed_next(self, obj) -> list[str]:
        return sorted(REQUEST_TRANSITIONS[obj.status])


class PartnerRequestChangedSerializer(PartnerRequestSerializer):
    """A request after a move that may start clocks (sent, received, referred out)."""

    started_clocks = StartedClockSerializer(
        many=True,
        read_only=True,
        default=(),
        help_text="The clocks this move started, or the open ones of the same kind it adopted "
        "(preservation expiry, a reply due, an acknowledgement due); empty when it started none.",
    )

    class Meta(PartnerRequestSerializer.Meta):
        fields = [*PartnerRequestSerializer.Meta.fields, "started_clocks"]


class PartnerRequestInputSerializer(RecordField):
    direction = serializers.ChoiceField(choices=Direction.choices)
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices, default=LegalBasis.DOMESTIC)
    agency = serializers.IntegerField(min_value=1)
    contact = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    handling_code = serializers.ChoiceField(
        choices=HandlingCode.choices, required=False, allow_blank=True
    )
    summary = serializers.CharField()
    external_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)


class StatusInputSerializer(CaseworkSerializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")
    note = serializers.CharField(required=False, allow_blank=True)
    external_reference = serializers.CharField(max_length=200, required=False, allow_null=True)


class ReferOutInputSerializer(RecordField):
    agency = serializers.IntegerField(min_value=1)
    contact = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    handling_code = serializers.ChoiceField(choices=HandlingCode.choices)
    summary = serializers.CharField(help_text="What was sent, in neutral words.")
    sent_at = serializers.DateTimeField(required=False, allow_null=True)
    external_reference = serializers.CharField(max_length=200, required=False, allow_blank=True)

"""API for partners under ``/api/v1/partners/``: thin views over the selectors and services.

Lists use keyset (cursor) pagination; errors are problem details (DomainError and NotFound are
converted by ``casework.core.api``). A case is named by its number, a referral by its id; one
the caller may not see answers 404, as does any request or communication under it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases.selectors import case_get_for
from casework.core.api import (
    CreatedCursorPagination,
    query_boolean,
    query_choice,
    query_integer,
    query_text,
)
from casework.core.errors import DomainError
from casework.core.serializers import (
    CaseworkModelSerializer,
    CaseworkSerializer,
    StartedClockSerializer,
)
from casework.referrals.selectors import referral_get_for

from . import selectors, services
from .choices import (
    AgencyKind,
    Channel,
    Direction,
    HandlingCode,
    LegalBasis,
    RequestKind,
    RequestStatus,
)
from .models import Agency, Communication, Contact, ContactVersion, PartnerRequest


class NameCursorPagination(CreatedCursorPagination):
    ordering = ("name", "id")


class VersionCursorPagination(CreatedCursorPagination):
    ordering = ("-version",)


class OccurredCursorPagination(CreatedCursorPagination):
    ordering = ("-occurred_at", "-id")


# --- serializers -------------------------------------------------------------------------------


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
        from .choices import REQUEST_TRANSITIONS

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


# --- helpers -----------------------------------------------------------------------------------


def _resolve_record(user, data: dict) -> dict:
    case_number, referral_id = data.pop("case", None), data.pop("referral", None)
    if bool(case_number) == (referral_id is not None):
        raise DomainError("Give a case number or a referral id (one of them).", field="case")
    if case_number:
        return {"case": case_get_for(user=user, number=case_number), "referral": None}
    return {"case": None, "referral": referral_get_for(user=user, pk=referral_id)}


def _resolve_agency_contact(user, data: dict) -> None:
    data["agency"] = selectors.agency_get(user=user, pk=data["agency"])
    contact_id = data.pop("contact", None)
    data["contact"] = selectors.contact_get(user=user, pk=contact_id) if contact_id else None


def _record_filter(request, queryset: QuerySet) -> QuerySet:
    """``?case=NUMBER`` or ``?referral=ID``: 404 when that record is not visible."""
    number = query_text(request.query_params, "case")
    referral_id = query_integer(request.query_params, "referral")
    if number:
        case = case_get_for(user=request.user, number=number)
        queryset = queryset.filter(Q(case=case) | Q(referral__case=case))
    if referral_id is not None:
        queryset = queryset.filter(referral=referral_get_for(user=request.user, pk=referral_id))
    return queryset


RECORD_PARAMETERS = [
    OpenApiParameter("case", OpenApiTypes.STR, description="Only this case (its number)."),
    OpenApiParameter("referral", OpenApiTypes.INT, description="Only this referral (its id)."),
]


# --- directory ---------------------------------------------------------------------------------


class AgencyListView(generics.ListAPIView):
    """The partner directory, visible to every signed-in user. Add agencies with POST."""

    serializer_class = AgencySerializer
    pagination_class = NameCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        return selectors.agencies_search(
            user=self.request.user,
            query=query_text(params, "q"),
            country=query_text(params, "country", max_length=10),
            kind=query_choice(params, "kind", AgencyKind.values),
            icse=query_boolean(params, "icse"),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Words of the name (prefixes)."),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166 alpha-2."),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=AgencyKind.values),
            OpenApiParameter("icse", OpenApiTypes.BOOL),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=AgencyInputSerializer, responses={201: AgencySerializer})
    def post(self, request):
        data = AgencyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agency = services.agency_create(actor=request.user, **data.validated_data)
        return Response(AgencySerializer(agency).data, status=status.HTTP_201_CREATED)


class AgencyDetailView(APIView):
    @extend_schema(responses=AgencySerializer)
    def get(self, request, pk: int):
        return Response(AgencySerializer(selectors.agency_get(user=request.user, pk=pk)).data)

    @extend_schema(request=AgencyPatchSerializer, responses=AgencySerializer)
    def patch(self, request, pk: int):
        agency = selectors.agency_get(user=request.user, pk=pk)
        data = AgencyPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "duty_contact" in changes:
            duty = changes["duty_contact"]
            changes["duty_contact"] = (
                selectors.contact_get(user=request.user, pk=duty) if duty else None
            )
        agency = services.agency_update(actor=request.user, agency=agency, **changes)
        return Response(AgencySerializer(agency).data)


class AgencyContactsView(generics.ListAPIView):
    """The contacts of one agency; add one with POST."""

    serializer_class = ContactSerializer
    pagination_class = NameCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        agency = selectors.agency_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.contacts_of(user=self.request.user, agency=agency)

    @extend_schema(request=ContactInputSerializer, responses={201: ContactSerializer})
    def post(self, request, pk: int):
        agency = selectors.agency_get(user=request.user, pk=pk)
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_create(actor=request.user, agency=agency, **data.validated_data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailView(APIView):
    @extend_schema(responses=ContactSerializer)
    def get(self, request, pk: int):
        return Response(ContactSerializer(selectors.contact_get(user=request.user, pk=pk)).data)

    @extend_schema(request=ContactPatchSerializer, responses=ContactSerializer)
    def patch(self, request, pk: int):
        contact = selectors.contact_get(user=request.user, pk=pk)
        data = ContactPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contact = services.contact_update(
            actor=request.user, contact=contact, **data.validated_data
        )
        return Response(ContactSerializer(contact).data)


class ContactHistoryView(generics.ListAPIView):
    """Every version of a contact, newest first."""

    serializer_class = ContactVersionSerializer
    pagination_class = VersionCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        contact = selectors.contact_get(user=self.request.user, pk=self.kwargs["pk"])
        return selectors.contact_history(user=self.request.user, contact=contact)


# --- communications ----------------------------------------------------------------------------


class CommunicationListView(generics.ListAPIView):
    """Communications on the cases and referrals you can see, newest first."""

    serializer_class = CommunicationSerializer
    pagination_class = OccurredCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        return _record_filter(
            self.request,
            selectors.communications_visible_to(self.request.user).select_related(
                "agency", "contact", "case", "recorded_by"
            ),
        )

    @extend_schema(parameters=RECORD_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CommunicationInputSerializer, responses={201: CommunicationSerializer})
    def post(self, request):
        data = CommunicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        record = _resolve_record(request.user, values)
        _resolve_agency_contact(request.user, values)
        request_id = values.pop("request", None)
        values["request"] = (
            selectors.request_get_for(user=request.user, pk=request_id) if request_id else None
        )
        communication = services.communication_record(actor=request.user, **record, **values)
        return Response(CommunicationSerializer(communication).data, status=status.HTTP_201_CREATED)


class CommunicationDetailView(APIView):
    @extend_schema(responses=CommunicationSerializer)
    def get(self, request, pk):
        communication = selectors.communication_get_for(user=request.user, pk=pk)
        return Response(CommunicationSerializer(communication).data)


# --- requests ----------------------------------------------------------------------------------


class RequestListView(generics.ListAPIView):
    """Requests on the cases and referrals you can see; draft one with POST."""

    serializer_class = PartnerRequestSerializer
    filter_backends: list = []

    def get_queryset(self):
        requests = _record_filter(
            self.request,
            selectors.requests_visible_to(self.request.user).select_related(
                "agency", "contact", "case"
            ),
        )
        params = self.request.query_params
        if status_value := query_choice(params, "status", RequestStatus.values):
            requests = requests.filter(status=status_value)
        if kind := query_choice(params, "kind", RequestKind.values):
            requests = requests.filter(kind=kind)
        if (agency := query_integer(params, "agency")) is not None:
            requests = requests.filter(agency_id=agency)
        return requests

    @extend_schema(
        parameters=[
            *RECORD_PARAMETERS,
            OpenApiParameter("status", OpenApiTypes.STR, enum=RequestStatus.values),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=RequestKind.values),
            OpenApiParameter("agency", OpenApiTypes.INT),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PartnerRequestInputSerializer, responses={201: PartnerRequestSerializer})
    def post(self, request):
        data = PartnerRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        record = _resolve_record(request.user, values)
        _resolve_agency_contact(request.user, values)
        created = services.request_create(actor=request.user, **record, **values)
        return Response(PartnerRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class RequestDetailView(APIView):
    @extend_schema(responses=PartnerRequestSerializer)
    def get(self, request, pk):
        partner_request = selectors.request_get_for(user=request.user, pk=pk)
        return Response(PartnerRequestSerializer(partner_request).data)


class RequestStatusView(APIView):
    """Move a request on: sent, acknowledged, partial / fulfilled / refused, expired, withdrawn.
    Sending starts its deadlines; a final answer meets them. 409 for a move not allowed (for
    example answering a request that was never sent)."""

    @extend_schema(request=StatusInputSerializer, responses=PartnerRequestChangedSerializer)
    def post(self, request, pk):
        partner_request = selectors.request_get_for(user=request.user, pk=pk)
        data = StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        updated = services.request_change_status(
            actor=request.user,
            request=partner_request,
            status=values["status"],
            at=values.get("at"),
            note=values.get("note", ""),
            external_reference=values.get("external_reference"),
        )
        return Response(PartnerRequestChangedSerializer(updated).data)


class ReferOutView(APIView):
    """Refer a case or a referral out to another agency; waits for acknowledgement."""

    @extend_schema(
        request=ReferOutInputSerializer, responses={201: PartnerRequestChangedSerializer}
    )
    def post(self, request):
        data = ReferOutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        record = _resolve_record(request.user, values)
        _resolve_agency_contact(request.user, values)
        created = services.request_refer_out(actor=request.user, **record, **values)
        return Response(
            PartnerRequestChangedSerializer(created).data, status=status.HTTP_201_CREATED
        )


# --- supervision -------------------------------------------------------------------------------


OpenRowSerializer = inline_serializer(
    "OpenRequestsByAgency",
    {
        "agency_id": serializers.IntegerField(),
        "agency_name": serializers.CharField(),
        "agency_country": serializers.CharField(),
        "open_count": serializers.IntegerField(),
        "under_week": serializers.IntegerField(),
        "week_to_month": serializers.IntegerField(),
        "over_month": serializers.IntegerField(),
        "oldest_sent_at": serializers.DateTimeField(),
        "oldest_age_days": serializers.FloatField(),
        "median_age_days": serializers.FloatField(),
    },
    many=True,
)

ResponseTimeSerializer = inline_serializer(
    "ResponseTimeByAgencyAndKind",
    {
        "agency_id": serializers.IntegerField(),
        "agency_name": serializers.CharField(),
        "agency_country": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=RequestKind.choices),
        "answered": serializers.IntegerField(),
        "median_days": serializers.FloatField(),
    },
    many=True,
)


def _renamed(row: dict) -> dict:
    return {
        key.replace("agency__", "agency_"): value
        for key, value in row.items()
        if key not in ("median_seconds", "median_age_seconds", "kind_label")
    }


class OpenRequestsView(APIView):
    """Open requests per partner agency, slowest first (the caller's visible requests)."""

    @extend_schema(responses=OpenRowSerializer)
    def get(self, request):
        rows = selectors.open_requests_by_agency(user=request.user)
        return Response([_renamed(row) for row in rows])


class ResponseTimesView(APIView):
    """Median days from sending to first answer per agency and request kind, slowest first."""

    @extend_schema(responses=ResponseTimeSerializer)
    def get(self, request):
        rows = selectors.response_times(user=request.user)
        return Response([_renamed(row) for row in rows])

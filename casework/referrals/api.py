"""API for referrals under ``/api/v1/referrals/``: thin views over the selectors and services.

A referral the caller may not see answers 404 and is absent from lists. Errors are problem
details (``DomainError`` is converted by ``casework.core.api``); a second arrival of a report
already recorded answers 409 with the original's id when the caller may see it. The queue is
paged with a keyset cursor in triage order (least time left first).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.accounts.models import User
from casework.cases.choices import Priority
from casework.cases.selectors import case_get_for
from casework.core.api import CreatedCursorPagination, problem
from casework.core.errors import DomainError
from casework.core.filters import BooleanFilter, ChoiceFilter, QueryFilterSet, SelectorListView
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer

from . import selectors, services
from .choices import IntakeChannel, ReferralStatus, SourceKind
from .models import IncidentType, Referral, ReferralIdentifier


class TriageOrderPagination(CreatedCursorPagination):
    ordering = selectors.QUEUE_ORDER

    def paginate_queryset(self, queryset, request, view=None):
        # The queue's rows read arm by arm of need-to-know (selectors.QueueRows): the same
        # rows as the view's queryset, from indexes in queue order (issue 26).
        queue = selectors.QueueRows.for_user(
            user=request.user, filters=view.queue_filters, queryset=queryset
        )
        return super().paginate_queryset(queue, request, view)


# --- serializers ---------------------------------------------------------------------------


class IdentifierSerializer(CaseworkModelSerializer):
    # Decrypted for those who may see the referral; "[disposed]" once its key is gone.
    value = serializers.CharField(source="raw", read_only=True)
    normal = serializers.CharField(read_only=True)

    class Meta:
        model = ReferralIdentifier
        fields = [
            "id",
            "kind",
            "value",
            "normal",
            "service",
            "device_kind",
            "ip_event",
            "observed_at",
            "port",
            "match_count",
        ]


class IdentifierInputSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)
    value = serializers.CharField(max_length=500)
    service = serializers.CharField(max_length=200, required=False, allow_blank=True)
    device_kind = serializers.ChoiceField(
        choices=DeviceIdKind.choices, required=False, allow_blank=True
    )
    ip_event = serializers.ChoiceField(choices=IpEvent.choices, required=False, allow_blank=True)
    observed_at = serializers.DateTimeField(required=False, allow_null=True)
    port = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=65535)


class ReferralSerializer(CaseworkModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    incident_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "unit",
            "source_kind",
            "source_agency",
            "source_reference",
            "received_at",
            "incident_at",
            "incident_type",
            "jurisdiction",
            "priority",
            "source_priority",
            "escalation_requested",
            "status",
            "summary",
            "triage_due_at",
            "overdue",
            "case",
            "decline_reason",
            "referred_out_to",
            "referred_out_reference",
            "created_at",
        ]

    def get_overdue(self, referral) -> bool:
        return referral.is_overdue(timezone.now())


class ReferralDetailSerializer(ReferralSerializer):
    identifiers = IdentifierSerializer(many=True, read_only=True)
    duplicate_arrivals = serializers.IntegerField(source="duplicate_arrivals.count")

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "identifiers", "duplicate_arrivals"]


class ReferralInputSerializer(CaseworkSerializer):
    """Shape only; the rules (times, priorities, identifiers) live in the service."""

    source_kind = serializers.ChoiceField(choices=SourceKind.choices)
    source_agency = serializers.CharField(max_length=200)
    source_reference = serializers.CharField(max_length=200)
    received_at = serializers.DateTimeField()
    incident_at = serializers.DateTimeField(required=False, allow_null=True)
    incident_type = serializers.SlugField(required=False, allow_blank=True)
    jurisdiction = serializers.CharField(max_length=100, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P3)
    source_priority = serializers.CharField(max_length=60, required=False, allow_blank=True)
    escalation_requested = serializers.BooleanField(default=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    identifiers = IdentifierInputSerializer(many=True, required=False)


class AcceptSerializer(CaseworkSerializer):
    case = serializers.CharField(
        required=False, allow_blank=True, help_text="Number of an existing case; empty for new."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lead = serializers.CharField(
        required=False, allow_blank=True, help_text="User name of the new case's lead."
    )


class DeclineSerializer(CaseworkSerializer):
    reason = serializers.CharField(max_length=2000)


class ReferOutSerializer(CaseworkSerializer):
    agency_name = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True)


class IncidentTypeSerializer(CaseworkModelSerializer):
    class Meta:
        model = IncidentType
        fields = ["code", "name"]


# --- views ---------------------------------------------------------------------------------

QUEUE_STATUSES = ["open", "all", *ReferralStatus.values]


class ReferralQueueFilter(QueryFilterSet):
    status = ChoiceFilter(
        choices=QUEUE_STATUSES, default="open", help_text="open (default): new or in triage."
    )
    priority = ChoiceFilter(choices=Priority.values)
    source_kind = ChoiceFilter(choices=SourceKind.values)
    overdue = BooleanFilter()

    class Meta:
        model = Referral
        fields: list[str] = []


class ReferralListView(SelectorListView):
    """The referral queue (least time left first) and intake of a new referral."""

    pagination_class = TriageOrderPagination
    serializer_class = ReferralSerializer
    filterset_class = ReferralQueueFilter

    def select(self, *, user, overdue, **filters):
        # Kept for the pagination, which reads the queue arm by arm with the same filters.
        self.queue_filters = selectors.QueueFilters(overdue=bool(overdue), **filters)
        return selectors.referral_queue(user=user, filters=self.queue_filters)

    @extend_schema(
        request=ReferralInputSerializer,
        responses={201: ReferralDetailSerializer, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        incoming = ReferralInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = request.user
        if user.unit is None:
            raise DomainError("Only members of a unit record referrals.", status=403)
        result = services.referral_receive(
            actor=user, unit=user.unit, data=incoming.validated_data, channel=IntakeChannel.API
        )
        if result.duplicate:
            return _duplicate_problem(user, result.referral)
        referral = selectors.referral_get_for(user=user, pk=result.referral.pk)
        return Response(ReferralDetailSerializer(referral).data, status=status.HTTP_201_CREATED)


def _duplicate_problem(user, original: Referral) -> Response:
    visible = selectors.referrals_visible_to(user).filter(pk=original.pk).exists()
    if visible:
        detail = f"This report was already received: referral {original.pk}."
    else:
        detail = (
            f"This report was already received by {original.unit.name}; "
            "ask its supervisors for the referral."
        )
    response = problem(
        409,
        detail,
        errors=[{"field": "source_reference", "message": detail, "code": "duplicate"}],
        slug="duplicate",
    )
    if visible:
        response.data["duplicate_of"] = original.pk
    return response


class ReferralDetailView(APIView):
    """One referral with its identifiers (the view is audited)."""

    @extend_schema(responses=ReferralDetailSerializer)
    def get(self, request, pk: int):
        referral = selectors.referral_detail_for(user=request.user, pk=pk)
        return Response(ReferralDetailSerializer(referral).data)


class _TriageAction(APIView):
    def respond(self, request, referral: Referral) -> Response:
        fresh = selectors.referral_get_for(user=request.user, pk=referral.pk)
        return Response(ReferralSerializer(fresh).data)


class TriageStartView(_TriageAction):
    """Start triage: new -> in triage."""

    @extend_schema(request=None, responses=ReferralSerializer)
    def post(self, request, pk: int):
        referral = selectors.referral_get_for(user=request.user, pk=pk)
        return self.respond(
            request, services.referral_triage_start(actor=request.user, referral=referral)
        )


class AcceptView(_TriageAction):
    """Accept into an existing case (by number) or, without one, into a new case."""

    @extend_schema(request=AcceptSerializer, responses=ReferralSerializer)
    def post(self, request, pk: int):
        referral = selectors.referral_get_for(user=request.user, pk=pk)
        incoming = AcceptSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        case = None
        if data.get("case"):
            case = case_get_for(user=request.user, number=data["case"].strip())
        lead = None
        if data.get("lead"):
            lead = User.objects.filter(
                username=data["lead"], unit_id=referral.unit_id, is_active=True
            ).first()
            if lead is None:
                raise DomainError(f"No active user {data['lead']!r} in this unit.", field="lead")
        referral = services.referral_accept(
            actor=request.user,
            referral=referral,
            case=case,
            title=data.get("title", ""),
            lead=lead,
        )
        return self.respond(request, referral)


class DeclineView(_TriageAction):
    """Decline with a reason."""

    @extend_schema(request=DeclineSerializer, responses=ReferralSerializer)
    def post(self, request, pk: int):
        referral = selectors.referral_get_for(user=request.user, pk=pk)
        incoming = DeclineSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = services.referral_decline(
            actor=request.user, referral=referral, reason=incoming.validated_data["reason"]
        )
        return self.respond(request, referral)


class ReferOutView(_TriageAction):
    """Refer out to a partner agency (ends triage)."""

    @extend_schema(request=ReferOutSerializer, responses=ReferralSerializer)
    def post(self, request, pk: int):
        referral = selectors.referral_get_for(user=request.user, pk=pk)
        incoming = ReferOutSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        referral = services.referral_mark_referred_out(
            actor=request.user,
            referral=referral,
            agency_name=incoming.validated_data["agency_name"],
            reference=incoming.validated_data.get("reference", ""),
        )
        return self.respond(request, referral)


class IdentifiersView(APIView):
    """Identifiers of a referral; add one while it is in triage (deconflicted)."""

    @extend_schema(responses=IdentifierSerializer(many=True))
    def get(self, request, pk: int):
        referral = selectors.referral_get_for(user=request.user, pk=pk)
        return Response(IdentifierSerializer(referral.identifiers.all(), many=True).data)

    @extend_schema(request=IdentifierInputSerializer, responses={201: IdentifierSerializer})
    def post(self, request, pk: int):
        referral = selectors.referral_get_for(user=request.user, pk=pk)
        incoming = IdentifierInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        row = services.referral_identifier_add(
            actor=request.user, referral=referral, data=incoming.validated_data
        )
        return Response(IdentifierSerializer(row).data, status=status.HTTP_201_CREATED)


class IncidentTypeListView(generics.ListAPIView):
    """The incident types intake accepts (administrators keep the list)."""

    serializer_class = IncidentTypeSerializer
    pagination_class = None
    queryset = IncidentType.objects.filter(active=True)

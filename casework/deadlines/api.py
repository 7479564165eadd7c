"""API for deadlines under ``/api/v1/deadlines/``: thin views over selectors and services.

A deadline is named by its reference (a UUID). One the caller may not see answers 404, like
its case. Errors are problem details; lists use keyset pagination ordered by due time.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.accounts.models import User
from casework.cases.selectors import case_get_for
from casework.core.api import CreatedCursorPagination
from casework.core.errors import DomainError
from casework.core.filters import (
    ChoiceFilter,
    ChoicesFilter,
    QueryFilterSet,
    SelectorListView,
    TextFilter,
    WhenFilter,
)
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer
from casework.referrals.selectors import referral_get_for

from . import selectors, services
from .choices import STARTABLE_BY_HAND, DeadlineKind, DeadlineState
from .models import Deadline, DeadlineRule


class DueCursorPagination(CreatedCursorPagination):
    ordering = ("due_at", "id")


class DeadlineSerializer(CaseworkModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    referral = serializers.PrimaryKeyRelatedField(read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    rule = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    extended_to = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    reminder_offsets_seconds = serializers.ListField(
        source="reminder_offsets", child=serializers.IntegerField(), read_only=True
    )

    class Meta:
        model = Deadline
        fields = [
            "reference",
            "kind",
            "state",
            "overdue",
            "case",
            "referral",
            "unit",
            "owner",
            "source_type",
            "source_id",
            "starts_at",
            "due_at",
            "time_zone",
            "jurisdiction",
            "note",
            "reason",
            "rule",
            "reminder_offsets_seconds",
            "extended_to",
            "closed_at",
            "missed_at",
            "created_at",
        ]

    def get_rule(self, deadline: Deadline) -> str | None:
        return deadline.rule.name if deadline.rule else None


class DeadlineCreateSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=STARTABLE_BY_HAND)
    case = serializers.CharField(required=False, help_text="Case number.")
    referral = serializers.IntegerField(required=False, min_value=1, help_text="Referral id.")
    due_at = serializers.DateTimeField(required=False)
    starts_at = serializers.DateTimeField(required=False)
    time_zone = serializers.CharField(required=False, max_length=64)
    jurisdiction = serializers.CharField(required=False, allow_blank=True, max_length=40)
    owner = serializers.CharField(required=False, help_text="Username in the same unit.")
    source_type = serializers.CharField(required=False, allow_blank=True, max_length=60)
    source_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True)


class MeetSerializer(CaseworkSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Needed when the deadline is met after its due time.",
    )


class WaiveSerializer(CaseworkSerializer):
    reason = serializers.CharField(allow_blank=True)


class ExtendSerializer(CaseworkSerializer):
    new_due_at = serializers.DateTimeField(required=False, allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class DeadlineRuleSerializer(CaseworkModelSerializer):
    duration = serializers.CharField(source="duration_label", read_only=True)

    class Meta:
        model = DeadlineRule
        fields = [
            "kind",
            "jurisdiction",
            "priority",
            "name",
            "citation",
            "source_url",
            "verify_locally",
            "duration",
            "duration_months",
            "duration_days",
            "duration_hours",
            "day_count",
            "end_of_day",
            "roll_to_business_day",
            "reminder_offsets",
            "repeats",
            "extension_kind",
            "extension_months",
            "extension_days",
            "extensions_allowed",
            "active",
        ]


DEADLINE_SCOPES = ["mine", "unit", "visible"]


class DeadlineFilter(QueryFilterSet):
    scope = ChoiceFilter(
        choices=DEADLINE_SCOPES,
        default="mine",
        help_text="mine (default), unit (supervisors), visible (everything I may see)",
    )
    state = ChoicesFilter(choices=DeadlineState.values, help_text="States (repeat or commas).")
    kind = ChoicesFilter(choices=DeadlineKind.values, help_text="Kinds (repeat or commas).")
    case = TextFilter(help_text="Case number.")
    due_before = WhenFilter()
    due_after = WhenFilter()

    class Meta:
        model = Deadline
        fields: list[str] = []


class DeadlineListView(SelectorListView, generics.CreateAPIView):
    """Deadlines I may see, by due time; create one on a case or a referral."""

    serializer_class = DeadlineSerializer
    pagination_class = DueCursorPagination
    filterset_class = DeadlineFilter

    def select(self, *, user, state, kind, case, **filters):
        return selectors.deadlines_filtered(
            user=user, states=state, kinds=kind, case_number=case, **filters
        )

    @extend_schema(request=DeadlineCreateSerializer, responses={201: DeadlineSerializer})
    def post(self, request):
        incoming = DeadlineCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        user = request.user
        case = referral = None
        if data.get("case"):
            case = case_get_for(user=user, number=data.pop("case"))
        if data.get("referral"):
            referral = referral_get_for(user=user, pk=data.pop("referral"))
        data.pop("case", None)
        data.pop("referral", None)
        if case is None and referral is None:
            raise DomainError("Name the case or the referral.", field="case")
        owner = None
        if data.get("owner"):
            unit_id = (case or referral).unit_id
            owner = User.objects.filter(username=data.pop("owner"), unit_id=unit_id).first()
            if owner is None:
                raise DomainError("No such user in this unit.", field="owner")
        data.pop("owner", None)
        deadline = services.deadline_start(
            actor=user, case=case, referral=referral, owner=owner or user, **data
        )
        return Response(DeadlineSerializer(deadline).data, status=status.HTTP_201_CREATED)


class DeadlineDetailView(APIView):
    @extend_schema(responses=DeadlineSerializer)
    def get(self, request, reference):
        deadline = selectors.deadline_get_for(user=request.user, reference=reference)
        return Response(DeadlineSerializer(deadline).data)


class DeadlineMeetView(APIView):
    """Mark as met by hand: refused (409) for a clock that a recorded act meets, with where."""

    @extend_schema(request=MeetSerializer, responses=DeadlineSerializer)
    def post(self, request, reference):
        deadline = selectors.deadline_get_for(user=request.user, reference=reference)
        incoming = MeetSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        deadline = services.deadline_meet_by_hand(
            actor=request.user,
            deadline=deadline,
            reason=incoming.validated_data.get("reason", ""),
        )
        return Response(DeadlineSerializer(deadline).data)


class DeadlineWaiveView(APIView):
    @extend_schema(request=WaiveSerializer, responses=DeadlineSerializer)
    def post(self, request, reference):
        deadline = selectors.deadline_get_for(user=request.user, reference=reference)
        incoming = WaiveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        deadline = services.deadline_waive(
            actor=request.user, deadline=deadline, reason=incoming.validated_data["reason"]
        )
        return Response(DeadlineSerializer(deadline).data)


class DeadlineExtendView(APIView):
    @extend_schema(request=ExtendSerializer, responses={201: DeadlineSerializer})
    def post(self, request, reference):
        deadline = selectors.deadline_get_for(user=request.user, reference=reference)
        incoming = ExtendSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        extension = services.deadline_extend(
            actor=request.user,
            deadline=deadline,
            new_due_at=incoming.validated_data.get("new_due_at"),
            reason=incoming.validated_data["reason"],
        )
        return Response(DeadlineSerializer(extension).data, status=status.HTTP_201_CREATED)


class DeadlineRuleListView(generics.ListAPIView):
    """The rules in force (read-only here; administrators edit them in the admin)."""

    serializer_class = DeadlineRuleSerializer
    pagination_class = None
    queryset = DeadlineRule.objects.all()

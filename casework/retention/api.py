"""API under ``/api/v1/retention/``: the same acts as the pages, for the same people.

Reviews, holds and disposals are a supervisor's of the record's unit; tombstones also an
auditor's; the schedule is read by anyone signed in and changed by administrators. A record one
may not see answers 404; a refusal is problem details naming the field."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.errors import DomainError, NotFound
from casework.core.serializers import CaseworkSerializer

from . import selectors, services
from .choices import ALL_OUTCOMES, RecordKind
from .models import MAX_REVIEW_MONTHS


class RecordSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(source="record_kind", choices=RecordKind.choices)
    label = serializers.CharField(
        source="record_label", help_text="The case number, or 'Referral <id>'."
    )


class RuleSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    record_kind = serializers.ChoiceField(choices=RecordKind.choices)
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()
    version = serializers.IntegerField()
    review_months = serializers.IntegerField()
    basis = serializers.CharField()
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ReviewSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    record = RecordSerializer(source="*")
    rule = RuleSerializer(allow_null=True)
    due_at = serializers.DateTimeField()
    status = serializers.CharField()
    why_started = serializers.CharField()


class HoldSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    record = RecordSerializer(source="*")
    reason = serializers.CharField()
    authority = serializers.CharField()
    placed_by = serializers.CharField(source="placed_by.username")
    created_at = serializers.DateTimeField()
    lifted_at = serializers.DateTimeField(allow_null=True)


class DisposalSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    record = RecordSerializer(source="*")
    reason = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    rule = serializers.IntegerField(source="rule_id", allow_null=True)


class TombstoneSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    record_kind = serializers.ChoiceField(choices=RecordKind.choices)
    label = serializers.CharField()
    unit = serializers.CharField(source="unit.code")
    disposed_at = serializers.DateTimeField()
    requested_by = serializers.CharField(source="requested_by.username")
    approved_by = serializers.CharField(source="approved_by.username")
    rule = serializers.IntegerField(source="rule_id", allow_null=True)
    removed = serializers.DictField(child=serializers.IntegerField())


class QueueSerializer(CaseworkSerializer):
    reviews = ReviewSerializer(many=True)
    disposals = DisposalSerializer(many=True)
    holds = HoldSerializer(many=True)


class RetainInput(CaseworkSerializer):
    reason = serializers.CharField(max_length=2000)
    next_review_on = serializers.DateField(help_text="At most ten years ahead.")


class ReasonInput(CaseworkSerializer):
    reason = serializers.CharField(max_length=2000)


class HoldInput(CaseworkSerializer):
    reason = serializers.CharField(max_length=2000)
    authority = serializers.CharField(max_length=200, help_text="E.g. a court order reference.")


class NewHoldInput(HoldInput):
    record = serializers.CharField(
        max_length=60, help_text="A case number, or a referral's id ('Referral 4567')."
    )


class LiftInput(CaseworkSerializer):
    lift_reason = serializers.CharField(max_length=2000)


class NoteInput(CaseworkSerializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectInput(CaseworkSerializer):
    note = serializers.CharField(max_length=2000)


class RuleInput(CaseworkSerializer):
    record_kind = serializers.ChoiceField(choices=RecordKind.choices)
    outcome = serializers.CharField(max_length=30, help_text="An outcome of that record kind.")
    review_months = serializers.IntegerField(min_value=1, max_value=MAX_REVIEW_MONTHS)
    basis = serializers.CharField(max_length=300)
    active = serializers.BooleanField(default=True)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _supervisor_only(request) -> None:
    if not selectors.supervises(request.user):
        raise NotFound("Only supervisors see their unit's retention queue.")


class QueueView(APIView):
    @extend_schema(
        responses=QueueSerializer,
        description="The unit's reviews due (soonest first), disposals awaiting a second "
        "supervisor and holds in force: a supervisor's.",
    )
    def get(self, request):
        _supervisor_only(request)
        payload = {
            "reviews": selectors.reviews_due(user=request.user)[: selectors.QUEUE_PAGE],
            "disposals": selectors.disposals_pending(user=request.user),
            "holds": selectors.holds_active(user=request.user),
        }
        return Response(QueueSerializer(payload).data)


class ReviewRetainView(APIView):
    @extend_schema(
        request=RetainInput,
        responses={201: ReviewSerializer},
        description="Retain the record, saying why; answers the next review.",
    )
    def post(self, request, pk: int):
        review = selectors.review_get_for(user=request.user, pk=pk)
        data = _valid(RetainInput, request)
        following = services.retention_review_retain(
            actor=request.user,
            review=review,
            reason=data["reason"],
            next_review_on=data["next_review_on"],
        )
        return Response(ReviewSerializer(following).data, status=status.HTTP_201_CREATED)


class ReviewDisposeView(APIView):
    @extend_schema(
        request=ReasonInput,
        responses={201: DisposalSerializer},
        description="Decide to dispose of the record: a disposal request for a second supervisor.",
    )
    def post(self, request, pk: int):
        review = selectors.review_get_for(user=request.user, pk=pk)
        data = _valid(ReasonInput, request)
        disposal = services.retention_review_dispose(
            actor=request.user, review=review, reason=data["reason"]
        )
        return Response(DisposalSerializer(disposal).data, status=status.HTTP_201_CREATED)


class ReviewHoldView(APIView):
    @extend_schema(
        request=HoldInput,
        responses={201: HoldSerializer},
        description="Answer the review with a legal hold on the record.",
    )
    def post(self, request, pk: int):
        review = selectors.review_get_for(user=request.user, pk=pk)
        data = _valid(HoldInput, request)
        hold = services.legal_hold_place(
            actor=request.user,
            case=review.case,
            referral=review.referral,
            reason=data["reason"],
            authority=data["authority"],
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldsView(APIView):
    @extend_schema(
        request=NewHoldInput,
        responses={201: HoldSerializer},
        description="Place a legal hold on a case or referral of your unit.",
    )
    def post(self, request):
        _supervisor_only(request)
        data = _valid(NewHoldInput, request)
        try:
            case, referral = selectors.record_for_hold(user=request.user, text=data["record"])
        except NotFound as error:
            raise DomainError(error.text, field="record", status=404) from None
        hold = services.legal_hold_place(
            actor=request.user,
            case=case,
            referral=referral,
            reason=data["reason"],
            authority=data["authority"],
        )
        return Response(HoldSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldLiftView(APIView):
    @extend_schema(request=LiftInput, responses=HoldSerializer, description="Lift the hold.")
    def post(self, request, pk: int):
        hold = selectors.hold_get_for(user=request.user, pk=pk)
        data = _valid(LiftInput, request)
        hold = services.legal_hold_lift(actor=request.user, hold=hold, reason=data["lift_reason"])
        return Response(HoldSerializer(hold).data)


class DisposalApproveView(APIView):
    @extend_schema(
        request=NoteInput,
        responses=TombstoneSerializer,
        description="Approve a disposal another supervisor asked for: the record's personal "
        "data is removed and a tombstone is left.",
    )
    def post(self, request, pk: int):
        disposal = selectors.disposal_get_for(user=request.user, pk=pk)
        data = _valid(NoteInput, request)
        tombstone = services.disposal_approve(
            actor=request.user, request=disposal, note=data.get("note", "")
        )
        return Response(TombstoneSerializer(tombstone).data)


class DisposalRejectView(APIView):
    @extend_schema(
        request=RejectInput,
        responses=DisposalSerializer,
        description="Turn the disposal down (or withdraw your own), saying why.",
    )
    def post(self, request, pk: int):
        disposal = selectors.disposal_get_for(user=request.user, pk=pk)
        data = _valid(RejectInput, request)
        disposal = services.disposal_reject(actor=request.user, request=disposal, note=data["note"])
        return Response(DisposalSerializer(disposal).data)


class TombstonesView(APIView):
    @extend_schema(
        responses=TombstoneSerializer(many=True),
        description="Disposed records, newest first (the latest 50): a supervisor's unit's, "
        "or every unit's for an auditor.",
    )
    def get(self, request):
        if not (selectors.supervises(request.user) or selectors.is_auditor(request.user)):
            raise NotFound("Only supervisors and auditors see disposed records.")
        rows = selectors.tombstones_for(user=request.user)[: selectors.QUEUE_PAGE]
        return Response(TombstoneSerializer(rows, many=True).data)


class RulesView(APIView):
    @extend_schema(responses=RuleSerializer(many=True), description="The rules in force.")
    def get(self, request):
        return Response(RuleSerializer(selectors.rules_current(), many=True).data)

    @extend_schema(
        request=RuleInput,
        responses={201: RuleSerializer},
        description="Put a new version of a rule in force (administrators). Outcomes: "
        + ", ".join(value for value, _label in ALL_OUTCOMES)
        + ".",
    )
    def post(self, request):
        data = _valid(RuleInput, request)
        rule = services.retention_rule_change(actor=request.user, **data)
        return Response(RuleSerializer(rule).data, status=status.HTTP_201_CREATED)

"""API under ``/api/v1/linked_cases/``: a case's links and link candidates, linking and
removing. The case must be visible (404 otherwise); the other side of a link is masked as on
the case page when the caller may not see it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.accounts.models import Unit, User
from casework.cases.selectors import case_get_for
from casework.cases.services import (
    case_merge,
    case_transfer_accept,
    case_transfer_decline,
    case_transfer_propose,
)
from casework.core.errors import DomainError
from casework.core.serializers import CaseworkSerializer

from . import selectors, services
from .choices import LinkKind
from .views import other_case


class OtherCaseSerializer(CaseworkSerializer):
    visible = serializers.BooleanField(help_text="False: only the unit and lead are told.")
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    unit = serializers.CharField()
    lead_name = serializers.CharField()
    lead_email = serializers.CharField()
    lead_phone = serializers.CharField()


class CaseLinkSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    label = serializers.CharField(help_text="The link as read from this case.")
    other = OtherCaseSerializer()
    created_at = serializers.DateTimeField()


class CandidateSerializer(CaseworkSerializer):
    token = serializers.CharField(help_text="Pass as `token` to link this case.")
    other = OtherCaseSerializer()


class CaseLinksSerializer(CaseworkSerializer):
    links = CaseLinkSerializer(many=True)
    candidates = CandidateSerializer(many=True)


class CaseLinkInputSerializer(CaseworkSerializer):
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    other = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Number of a case you can see."
    )
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="A candidate's token (a case holding the same identifiers).",
    )

    def validate(self, data):
        if not data.get("other") and not data.get("token"):
            raise serializers.ValidationError({"other": "Give the other case's number or token."})
        return data


def _payload(request, case) -> dict:
    return {
        "links": selectors.links_for(user=request.user, case=case),
        "candidates": selectors.link_candidates(user=request.user, case=case),
    }


class CaseLinksView(APIView):
    @extend_schema(responses=CaseLinksSerializer)
    def get(self, request, number: str):
        case = case_get_for(user=request.user, number=number)
        return Response(CaseLinksSerializer(_payload(request, case)).data)

    @extend_schema(
        request=CaseLinkInputSerializer,
        responses={201: CaseLinksSerializer},
        description="Link the case to one you can see (`other`) or to a candidate (`token`).",
    )
    def post(self, request, number: str):
        case = case_get_for(user=request.user, number=number)
        serializer = CaseLinkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        other = other_case(
            user=request.user, case=case, number=data.get("other", ""), token=data.get("token", "")
        )
        services.case_link_create(actor=request.user, case=case, other=other, kind=data["kind"])
        return Response(
            CaseLinksSerializer(_payload(request, case)).data, status=status.HTTP_201_CREATED
        )


class CaseLinkRemoveView(APIView):
    @extend_schema(request=None, responses={204: None}, description="Remove the link.")
    def post(self, request, number: str, pk: int):
        case = case_get_for(user=request.user, number=number)
        link = selectors.link_get_for(user=request.user, case=case, pk=pk)
        services.case_link_remove(actor=request.user, link=link, case=case)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseMergeSerializer(CaseworkSerializer):
    original = serializers.CharField(max_length=40, help_text="Number of the original case.")
    reason = serializers.CharField(max_length=2000, help_text="Why they are one case.")


class CaseMergedSerializer(CaseworkSerializer):
    duplicate = serializers.CharField()
    original = serializers.CharField()


class CaseMergeView(APIView):
    @extend_schema(
        request=CaseMergeSerializer,
        responses=CaseMergedSerializer,
        description="Merge this case (a duplicate) into its original: a supervisor of their "
        "one unit. Everything under it moves; it is closed as merged.",
    )
    def post(self, request, number: str):
        duplicate = case_get_for(user=request.user, number=number)
        serializer = CaseMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        original = case_get_for(user=request.user, number=data["original"].strip().upper())
        case_merge(
            actor=request.user, duplicate=duplicate, original=original, reason=data["reason"]
        )
        return Response({"duplicate": duplicate.number, "original": original.number})


class TransferSerializer(CaseworkSerializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    from_unit = serializers.CharField(source="from_unit.code")
    to_unit = serializers.CharField(source="to_unit.code")
    status = serializers.CharField()
    reason = serializers.CharField()
    proposed_by = serializers.CharField(source="proposed_by.username")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    new_lead = serializers.CharField(source="new_lead.username", allow_null=True, default=None)


class TransfersSerializer(CaseworkSerializer):
    incoming = TransferSerializer(many=True)
    outgoing = TransferSerializer(many=True)


class TransferProposeSerializer(CaseworkSerializer):
    to_unit = serializers.CharField(max_length=60, help_text="Code of the receiving unit.")
    reason = serializers.CharField(max_length=2000)


class TransferAcceptSerializer(CaseworkSerializer):
    lead = serializers.CharField(max_length=150, help_text="User name of the new lead.")


class TransferDeclineSerializer(CaseworkSerializer):
    reason = serializers.CharField(max_length=2000)


def _transfers(request) -> dict:
    return {
        "incoming": selectors.transfers_incoming(request.user),
        "outgoing": selectors.transfers_outgoing(request.user),
    }


class TransfersView(APIView):
    @extend_schema(responses=TransfersSerializer)
    def get(self, request):
        return Response(TransfersSerializer(_transfers(request)).data)


class TransferProposeView(APIView):
    @extend_schema(
        request=TransferProposeSerializer,
        responses={201: TransferSerializer},
        description="Offer the case to another unit (a supervisor of the case's unit).",
    )
    def post(self, request, number: str):
        case = case_get_for(user=request.user, number=number)
        serializer = TransferProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit = Unit.objects.filter(code=serializer.validated_data["to_unit"]).first()
        if unit is None:
            raise DomainError("No unit with this code.", field="to_unit")
        transfer = case_transfer_propose(
            actor=request.user, case=case, to_unit=unit, reason=serializer.validated_data["reason"]
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferAcceptView(APIView):
    @extend_schema(
        request=TransferAcceptSerializer,
        responses=TransferSerializer,
        description="Take the case into your unit (a supervisor of the receiving unit).",
    )
    def post(self, request, pk: int):
        transfer = selectors.transfer_get_for(user=request.user, pk=pk)
        serializer = TransferAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = User.objects.filter(username=serializer.validated_data["lead"]).first()
        if lead is None:
            raise DomainError("No such user.", field="lead")
        case_transfer_accept(actor=request.user, transfer=transfer, lead=lead)
        transfer.refresh_from_db()
        return Response(TransferSerializer(transfer).data)


class TransferDeclineView(APIView):
    @extend_schema(
        request=TransferDeclineSerializer,
        responses=TransferSerializer,
        description="Decline the case, saying why (a supervisor of the receiving unit).",
    )
    def post(self, request, pk: int):
        transfer = selectors.transfer_get_for(user=request.user, pk=pk)
        serializer = TransferDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = case_transfer_decline(
            actor=request.user, transfer=transfer, reason=serializer.validated_data["reason"]
        )
        return Response(TransferSerializer(transfer).data)

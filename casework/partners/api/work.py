"""Partner work on a case or a referral: communications, requests and referrals out.

A case is named by its number, a referral by its id; one the caller may not see answers 404, as
does any request or communication under it.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases.selectors import case_get_for
from casework.core.api import CreatedCursorPagination
from casework.core.errors import DomainError
from casework.core.filters import SelectorListView
from casework.referrals.selectors import referral_get_for

from .. import selectors, services
from .filters import CommunicationFilter, RequestFilter
from .serializers import (
    CommunicationInputSerializer,
    CommunicationSerializer,
    PartnerRequestChangedSerializer,
    PartnerRequestInputSerializer,
    PartnerRequestSerializer,
    ReferOutInputSerializer,
    StatusInputSerializer,
)


class OccurredCursorPagination(CreatedCursorPagination):
    ordering = ("-occurred_at", "-id")


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


# --- communications ----------------------------------------------------------------------------


class CommunicationListView(SelectorListView):
    """Communications on the cases and referrals you can see, newest first."""

    serializer_class = CommunicationSerializer
    pagination_class = OccurredCursorPagination
    filterset_class = CommunicationFilter

    def select(self, *, user, case, referral):
        return selectors.communications_filtered(user=user, case_number=case, referral_id=referral)

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


class RequestListView(SelectorListView):
    """Requests on the cases and referrals you can see; draft one with POST."""

    serializer_class = PartnerRequestSerializer
    filterset_class = RequestFilter

    def select(self, *, user, case, referral, agency, **filters):
        return selectors.requests_filtered(
            user=user, case_number=case, referral_id=referral, agency_id=agency, **filters
        )

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

"""The case itself: the list, opening, the detail, status changes and closure."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.api import QUERY_TEXT_LIMIT
from casework.core.errors import DomainError
from casework.core.filters import ChoiceFilter, QueryFilterSet, SelectorListView, TextFilter

from .. import closure, selectors, services
from ..choices import CaseStatus, Priority
from ..models import Case
from ._shared import OpenedCursorPagination, case_quiet, case_viewed, user_in_unit, valid_data
from .serializers import (
    CaseCloseCarryingSerializer,
    CaseClosureCarriedSerializer,
    CaseClosureDecisionSerializer,
    CaseClosureRequestSerializer,
    CaseCreateSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    CaseTransitionSerializer,
    ClosureChecklistSerializer,
)

CASE_SCOPES = ["mine", "unit"]


# A case opened for another lead may be one the opener cannot see: then only its number.
CASE_OPENED_SCHEMA = {
    "anyOf": [
        {"$ref": "#/components/schemas/CaseDetail"},
        {
            "type": "object",
            "properties": {"number": {"type": "string"}},
            "required": ["number"],
            "additionalProperties": False,
        },
    ]
}


class CaseFilter(QueryFilterSet):
    q = TextFilter(
        help_text="Number prefix, words of the title, or an identifier (at most "
        f"{QUERY_TEXT_LIMIT} characters)."
    )
    status = ChoiceFilter(choices=CaseStatus.values)
    priority = ChoiceFilter(choices=Priority.values)
    scope = ChoiceFilter(choices=CASE_SCOPES, help_text="Default: all you see.")

    class Meta:
        model = Case
        fields: list[str] = []


class CaseListView(SelectorListView):
    """The cases I may see, newest first; open a case in my unit."""

    pagination_class = OpenedCursorPagination
    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def select(self, *, user, **filters):
        return selectors.case_queryset(user=user, filters=selectors.CaseFilters(**filters))

    @extend_schema(
        request=CaseCreateSerializer,
        responses={
            201: OpenApiResponse(
                response=CASE_OPENED_SCHEMA,
                description="The new case; only its number when you opened it for a lead "
                "and cannot see it yourself.",
            )
        },
    )
    def post(self, request):
        data = valid_data(CaseCreateSerializer, request)
        user = request.user
        if user.unit is None:
            raise DomainError("Only members of a unit open cases.", status=403)
        lead = user_in_unit(data["lead"], user.unit_id, "lead") if data.get("lead") else user
        case = services.case_open(
            actor=user,
            unit=user.unit,
            title=data["title"],
            lead=lead,
            priority=data["priority"],
            template_id=data.get("template"),
        )
        if not selectors.case_is_visible(user=user, case=case):
            return Response({"number": case.number}, status=status.HTTP_201_CREATED)
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    @extend_schema(responses=CaseDetailSerializer)
    def get(self, request, number: str):
        return Response(CaseDetailSerializer(case_viewed(request, number)).data)


class CaseTransitionView(APIView):
    @extend_schema(
        request=CaseTransitionSerializer,
        responses=CaseDetailSerializer,
        description="Move the case along its allowed transitions. Closing is refused here: "
        "use close-request and a supervisor's approve.",
    )
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseTransitionSerializer, request)
        services.case_change_status(
            actor=request.user, case=case, status=data["status"], reason=data["reason"]
        )
        return Response(CaseDetailSerializer(case).data)


class CaseCloseRequestView(APIView):
    @extend_schema(
        request=CaseCloseCarryingSerializer,
        responses={201: CaseClosureCarriedSerializer},
        description="Every open item that blocks closing (see the closure checklist) must be "
        "resolved first or carried: ``carried`` maps its key to a reason. An item neither "
        "resolved nor carried is a field error at ``carried.<key>``.",
    )
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseCloseCarryingSerializer, request)
        asked = services.case_close_request(
            actor=request.user,
            case=case,
            reason=data["reason"],
            outcome=data["outcome"],
            carried=data["carried"],
        )
        return Response(CaseClosureCarriedSerializer(asked).data, status=status.HTTP_201_CREATED)


class CaseApproveView(APIView):
    @extend_schema(
        request=CaseClosureDecisionSerializer,
        responses=CaseDetailSerializer,
        description="A supervisor of the case's unit (not the requester) approves the "
        "pending closure; the case is closed.",
    )
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseClosureDecisionSerializer, request)
        services.case_close_approve(actor=request.user, case=case, note=data["note"])
        return Response(CaseDetailSerializer(case).data)


class CaseRejectView(APIView):
    @extend_schema(request=CaseClosureDecisionSerializer, responses=CaseClosureRequestSerializer)
    def post(self, request, number: str):
        case = case_quiet(request, number)
        data = valid_data(CaseClosureDecisionSerializer, request)
        closure = services.case_close_reject(actor=request.user, case=case, note=data["note"])
        return Response(CaseClosureRequestSerializer(closure).data)


class CaseClosureChecklistView(APIView):
    """What is open on the case, court dates first: what a closure request must resolve or
    carry, and what the deciding supervisor sees."""

    @extend_schema(responses=ClosureChecklistSerializer)
    def get(self, request, number: str):
        case = case_viewed(request, number, tab="closure")
        pending = selectors.pending_closure(case)
        carried = closure.carried_keys(pending.carried) if pending else set()
        items = [
            {
                "key": item.key,
                "group": item.group,
                "label": item.label,
                "url": item.url,
                "due_at": item.due_at.isoformat() if item.due_at else None,
                "overdue": item.overdue,
                "blocking": item.blocking,
                "carried": item.key in carried,
            }
            for item in closure.case_open_items(case=case)
        ]
        return Response(
            {
                "open_items": items,
                "pending": CaseClosureCarriedSerializer(pending).data if pending else None,
            }
        )

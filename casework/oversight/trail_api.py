"""The audit trail over the API: the same filters, access and auditing as the workspace.

Served under ``/api/v1/audit/`` (``audit_api_urls``), where the ledger app served it before the
workspace moved here: the search and an event's inclusion proof need to know which cases the
reader may see, which the ledger does not.
"""

from __future__ import annotations

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound as NotFoundError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.audit.api import InclusionProofSerializer
from casework.audit.models import AuditEvent
from casework.audit.services import audit_record
from casework.core.api import CreatedCursorPagination, query_integer
from casework.core.errors import DomainError
from casework.core.filters import ChoiceFilter, QueryFilterSet, SelectorListView, TextFilter
from casework.core.serializers import CaseworkModelSerializer
from casework.core.validation import datetime_problem

from . import trail, trail_proofs


class EventCursorPagination(CreatedCursorPagination):
    ordering = ("-occurred_at", "-id")
    page_size = 50


class AuditEventSerializer(CaseworkModelSerializer):
    changes = serializers.SerializerMethodField()
    # Plain strings in the schema: other apps have fields of these names with other choices.
    outcome = serializers.CharField(read_only=True, help_text="succeeded or refused")
    source = serializers.CharField(read_only=True, help_text="service or database")

    class Meta:
        model = AuditEvent
        fields = [
            "id", "occurred_at", "actor_id", "actor_username", "action", "outcome",
            "object_type", "object_id", "case_id", "request_id", "ip_address", "user_agent",
            "reason", "changes", "details", "source",
        ]  # fmt: skip

    @extend_schema_field(serializers.DictField())
    def get_changes(self, event: AuditEvent) -> dict:
        return trail.changes_shown_to(self.context["request"].user, event)


OUTCOMES = ["succeeded", "refused"]


@extend_schema_field(OpenApiTypes.DATETIME)
class UtcTimeFilter(TextFilter):
    """An ISO 8601 date and time; one without a zone is UTC, as the workspace's form reads it.

    Read as text by ``QueryFilterSet`` and turned into a time by ``AuditEventFilter.clean``,
    which keeps the trail's own rule and message (the shared ``WhenFilter`` reads a time
    without a zone in the installation's zone).
    """


def _when(value: str, name: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name} is not an ISO 8601 date and time.", field=name) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    problem = datetime_problem(moment)
    if problem:
        raise DomainError(problem, field=name)
    return moment


class AuditEventFilter(QueryFilterSet):
    person = TextFilter(help_text="username of the actor")
    case = TextFilter(help_text="case number")
    object_type = TextFilter(help_text="record type, e.g. cases.case")
    object_id = TextFilter()
    action = TextFilter(help_text="action or action prefix, e.g. auth.")
    outcome = ChoiceFilter(choices=OUTCOMES)
    since = UtcTimeFilter()
    until = UtcTimeFilter()

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    @classmethod
    def clean(cls, params):
        values = super().clean(params)
        for name, declared in cls.base_filters.items():
            if isinstance(declared, UtcTimeFilter):
                values[name] = _when(values[name], name)
        return values


class AuditEventListView(SelectorListView):
    """Auditors: every event; supervisors: the events of their unit's cases; others: 404."""

    serializer_class = AuditEventSerializer
    pagination_class = EventCursorPagination
    filterset_class = AuditEventFilter

    def get_queryset(self):
        # 404 before the parameters are read: someone who may not read the trail learns
        # nothing from which of their parameters would have been wrong.
        if not getattr(self, "swagger_fake_view", False) and not trail.can_read_trail(
            self.request.user
        ):
            raise NotFoundError()
        return super().get_queryset()

    def select(self, *, user, **filters):
        wanted = trail.EventFilters(**filters)
        events = trail.event_search(user=user, filters=wanted)
        audit_record(
            actor=user, action="audit.search", details={**wanted.as_details(), "via": "api"}
        )
        return events


class InclusionProofView(APIView):
    """The inclusion proof of one audit event, in the file format
    ``python -m casework.audit.verify`` reads. Auditors (events without case values),
    supervisors (their unit's cases) and the case team (their case); others 404."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "size", int, description="size of a signed checkpoint (default: the latest)"
            )
        ],
        responses=InclusionProofSerializer,
    )
    def get(self, request, event_id: int):
        if event_id >= 1 << 63:  # beyond any event id PostgreSQL can hold
            raise NotFoundError()
        size = query_integer(request.query_params, "size")
        return Response(
            trail_proofs.event_proof_issue(actor=request.user, event_id=event_id, size=size)
        )

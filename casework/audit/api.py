"""The audit trail over the API: the same filters, access and auditing as the workspace."""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound as NotFoundError

from casework.core.api import CreatedCursorPagination, query_choice, query_text
from casework.core.errors import DomainError
from casework.core.serializers import CaseworkModelSerializer
from casework.core.validation import datetime_problem

from . import selectors
from .models import AuditEvent
from .services import audit_record


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
        return selectors.changes_shown_to(self.context["request"].user, event)


OUTCOMES = ["succeeded", "refused"]
FILTERS = [
    OpenApiParameter("person", str, description="username of the actor"),
    OpenApiParameter("case", str, description="case number"),
    OpenApiParameter("object_type", str, description="record type, e.g. cases.case"),
    OpenApiParameter("object_id", str),
    OpenApiParameter("action", str, description="action or action prefix, e.g. auth."),
    OpenApiParameter("outcome", str, enum=OUTCOMES),
    OpenApiParameter("since", datetime.datetime),
    OpenApiParameter("until", datetime.datetime),
]


def _when(value: str | None, name: str) -> datetime.datetime | None:
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


class AuditEventListView(generics.ListAPIView):
    """Auditors: every event; supervisors: the events of their unit's cases; others: 404."""

    serializer_class = AuditEventSerializer
    pagination_class = EventCursorPagination
    queryset = AuditEvent.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return AuditEvent.objects.none()
        user = self.request.user
        if not selectors.can_read_trail(user):
            raise NotFoundError()
        params = self.request.query_params
        filters = selectors.EventFilters(
            person=query_text(params, "person"),
            case=query_text(params, "case"),
            object_type=query_text(params, "object_type"),
            object_id=query_text(params, "object_id"),
            action=query_text(params, "action"),
            outcome=query_choice(params, "outcome", OUTCOMES),
            since=_when(query_text(params, "since"), "since"),
            until=_when(query_text(params, "until"), "until"),
        )
        events = selectors.event_search(user=user, filters=filters)
        audit_record(
            actor=user, action="audit.search", details={**filters.as_details(), "via": "api"}
        )
        return events

    @extend_schema(parameters=FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

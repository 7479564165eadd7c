"""The audit trail over the API: the same filters, access and auditing as the workspace."""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound as NotFoundError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.api import CreatedCursorPagination, query_choice, query_integer, query_text
from casework.core.errors import DomainError
from casework.core.serializers import CaseworkModelSerializer, CaseworkSerializer
from casework.core.validation import datetime_problem

from . import proofs, selectors
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


class InclusionProofSerializer(CaseworkSerializer):
    format = serializers.CharField(help_text=proofs.PROOF_FORMAT)
    event_id = serializers.IntegerField()
    leaf_index = serializers.IntegerField(help_text="the event's position in the Merkle tree")
    tree_size = serializers.IntegerField(help_text="the size of the signed checkpoint")
    event = serializers.CharField(help_text="the event's canonical bytes (RFC 8785), base64")
    inclusion_path = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 9162 audit path, base64 hashes"
    )
    checkpoint = serializers.CharField(
        help_text="the signed checkpoint (C2SP signed note) with witness cosignatures"
    )
    event_json = serializers.DictField(help_text="a readable copy of ``event``; not hashed")


class ConsistencyProofSerializer(CaseworkSerializer):
    format = serializers.CharField(help_text=proofs.CONSISTENCY_FORMAT)
    old_size = serializers.IntegerField()
    new_size = serializers.IntegerField()
    old_root = serializers.CharField(help_text="the tree hash at old_size, base64 (informative)")
    consistency_path = serializers.ListField(
        child=serializers.CharField(), help_text="RFC 9162 consistency proof, base64 hashes"
    )
    new_checkpoint = serializers.CharField(help_text="the signed checkpoint of new_size")
    old_checkpoint = serializers.CharField(
        allow_null=True, help_text="the signed checkpoint of old_size, when one was signed"
    )


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
        return Response(proofs.event_proof_issue(actor=request.user, event_id=event_id, size=size))


class ConsistencyProofView(APIView):
    """Proof that the log of ``old`` events is a prefix of the signed checkpoint of ``new``
    events (RFC 9162 consistency proof): carries an older proof forward to a newer checkpoint.
    Auditors, supervisors and investigators; others 404."""

    @extend_schema(
        parameters=[
            OpenApiParameter("old", int, required=True, description="the older tree size"),
            OpenApiParameter(
                "new", int, description="size of a signed checkpoint (default: the latest)"
            ),
        ],
        responses=ConsistencyProofSerializer,
    )
    def get(self, request):
        if not proofs.may_request_consistency(request.user):
            raise NotFoundError()
        old = query_integer(request.query_params, "old", minimum=0)
        if old is None:
            raise DomainError("Give the older tree size, e.g. old=1000.", field="old")
        new = query_integer(request.query_params, "new")
        return Response(
            proofs.consistency_proof_issue(actor=request.user, old_size=old, new_size=new)
        )

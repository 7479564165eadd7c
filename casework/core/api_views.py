from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.selectors import heartbeat_status
from casework.core.serializers import CaseworkSerializer


class UnitSummarySerializer(CaseworkSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(CaseworkSerializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    unit = UnitSummarySerializer(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())


class ComponentStatusSerializer(CaseworkSerializer):
    component = serializers.CharField(help_text="scheduler or worker")
    label = serializers.CharField()
    hostname = serializers.CharField(
        help_text="The worker's Celery node name (celery@host), or the scheduler's host; "
        "empty for an expected worker never seen."
    )
    last_seen_at = serializers.DateTimeField(allow_null=True)
    healthy = serializers.BooleanField()


class MeView(APIView):
    """The signed-in user: who they are, their unit and roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "full_name": user.get_full_name(),
                    "unit": user.unit,
                    "roles": sorted(user.role_names),
                }
            ).data
        )


class HeartbeatView(APIView):
    """Background services and when each last proved alive (administrators only): the
    scheduler, then each worker by name, plus one unhealthy row for each worker missing from
    ``CASEWORK_WORKERS_EXPECTED``."""

    @extend_schema(responses=ComponentStatusSerializer(many=True))
    def get(self, request):
        if not request.user.has_role("administrator"):
            from rest_framework.exceptions import NotFound

            raise NotFound()
        return Response(ComponentStatusSerializer(heartbeat_status(), many=True).data)


class UnknownRouteView(APIView):
    """Any other path under ``/api/v1/``: a problem-details 404 rather than Django's HTML page,
    so a client that builds a wrong URL (a negative id, a typo) reads the same error shape."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None

    def _not_found(self, request, *args, **kwargs):
        from rest_framework.exceptions import NotFound

        raise NotFound("No such API route.")

    get = post = put = patch = delete = head = options = _not_found

"""Supervision figures: open requests per agency, and how fast each agency answers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..choices import RequestKind

OpenRowSerializer = inline_serializer(
    "OpenRequestsByAgency",
    {
        "agency_id": serializers.IntegerField(),
        "agency_name": serializers.CharField(),
        "agency_country": serializers.CharField(),
        "open_count": serializers.IntegerField(),
        "under_week": serializers.IntegerField(),
        "week_to_month": serializers.IntegerField(),
        "over_month": serializers.IntegerField(),
        "oldest_sent_at": serializers.DateTimeField(),
        "oldest_age_days": serializers.FloatField(),
        "median_age_days": serializers.FloatField(),
    },
    many=True,
)

ResponseTimeSerializer = inline_serializer(
    "ResponseTimeByAgencyAndKind",
    {
        "agency_id": serializers.IntegerField(),
        "agency_name": serializers.CharField(),
        "agency_country": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=RequestKind.choices),
        "answered": serializers.IntegerField(),
        "median_days": serializers.FloatField(),
    },
    many=True,
)


def _renamed(row: dict) -> dict:
    return {
        key.replace("agency__", "agency_"): value
        for key, value in row.items()
        if key not in ("median_seconds", "median_age_seconds", "kind_label")
    }


class OpenRequestsView(APIView):
    """Open requests per partner agency, slowest first (the caller's visible requests)."""

    @extend_schema(responses=OpenRowSerializer)
    def get(self, request):
        rows = selectors.open_requests_by_agency(user=request.user)
        return Response([_renamed(row) for row in rows])


class ResponseTimesView(APIView):
    """Median days from sending to first answer per agency and request kind, slowest first."""

    @extend_schema(responses=ResponseTimeSerializer)
    def get(self, request):
        rows = selectors.response_times(user=request.user)
        return Response([_renamed(row) for row in rows])

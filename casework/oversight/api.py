"""API for oversight under ``/api/v1/oversight/``: the dashboard's figures as data.

Same access as the pages: a supervisor's own unit, the administrators' aggregate view, 404 for
everyone else. Values are the raw numbers (not formatted, not suppressed: this is the unit's own
view); hours and days are decimals, shares fractions from 0 to 1.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.api import query_choices, query_text
from casework.core.errors import DomainError
from casework.core.serializers import CaseworkSerializer

from . import selectors
from .registry import all_figures


class ColumnSerializer(CaseworkSerializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["label", "count", "measure", "share"])


class FigureSerializer(CaseworkSerializer):
    key = serializers.CharField()
    title = serializers.CharField()
    definition = serializers.CharField()
    available = serializers.BooleanField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField())


class DashboardSerializer(CaseworkSerializer):
    unit = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    aggregate_only = serializers.BooleanField()
    figures = FigureSerializer(many=True)


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise DomainError("Give a date as YYYY-MM-DD.", field=field) from error


class FiguresView(APIView):
    @extend_schema(
        summary="The unit dashboard's figures",
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.STR, description="Unit code (administrators)"),
            OpenApiParameter(
                "start", OpenApiTypes.DATE, description="First day (default: 13 weeks ago)"
            ),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (default: today)"),
            OpenApiParameter(
                "figure",
                OpenApiTypes.STR,
                many=True,
                description="Only these figures (their keys; repeat or separate with commas)",
            ),
        ],
        responses=DashboardSerializer,
    )
    def get(self, request):
        first, last = selectors.default_period()
        start = _date(request.query_params.get("start"), "start") or first
        end = _date(request.query_params.get("end"), "end") or last
        params = request.query_params
        keys = query_choices(params, "figure", [f.key for f in all_figures()]) or None
        board = selectors.dashboard(
            user=request.user,
            unit=query_text(params, "unit", max_length=20) or None,
            period_start=start,
            period_end=end,
            keys=keys,
        )
        payload = {
            "unit": board.scope.unit_label,
            "period_start": board.scope.first_day,
            "period_end": board.scope.last_day,
            "aggregate_only": board.scope.aggregate_only,
            "figures": [
                {
                    "key": result.key,
                    "title": result.figure.title,
                    "definition": result.figure.definition,
                    "available": result.available,
                    "columns": [
                        {"key": c.key, "label": c.label, "kind": c.kind}
                        for c in (result.table.columns if result.table else [])
                    ],
                    "rows": result.table.rows if result.table else [],
                }
                for result in board.figures
            ],
        }
        return Response(DashboardSerializer(payload).data)

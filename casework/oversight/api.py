"""API for oversight under ``/api/v1/oversight/``: the dashboard's figures as data.

Same access as the pages: a supervisor's own unit, the administrators' aggregate view, 404 for
everyone else. Values are the raw numbers (not formatted, not suppressed: this is the unit's own
view); hours and days are decimals, shares fractions from 0 to 1.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.core.errors import DomainError
from casework.core.filters import ChoicesFilter, QueryFilterSet, TextFilter
from casework.core.serializers import CaseworkSerializer

from . import selectors
from .figures import all_figures


class DayFilter(TextFilter):
    """A calendar day, YYYY-MM-DD: checked as text by ``QueryFilterSet``, then read as a day by
    ``FiguresFilter.clean`` (``core.filters`` has no filter for a day without a time)."""


class FiguresFilter(QueryFilterSet):
    start = DayFilter(help_text="First day (default: 13 weeks ago)")
    end = DayFilter(help_text="Last day (default: today)")
    figure = ChoicesFilter(
        choices=[one.key for one in all_figures()],
        help_text="Only these figures (their keys; repeat or separate with commas)",
    )
    unit = TextFilter(max_length=20, help_text="Unit code (administrators)")

    @classmethod
    def clean(cls, params) -> dict[str, Any]:
        values = super().clean(params)
        for name, declared in cls.base_filters.items():
            if isinstance(declared, DayFilter):
                values[name] = _day(values[name], name)
        return values


def _day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise DomainError("Give a date as YYYY-MM-DD.", field=field) from error


def _schema_parameters(filterset: type[QueryFilterSet]) -> list[OpenApiParameter]:
    # The figures are one answer, not a list: drf-spectacular reads a FilterSet's parameters
    # for list views only, so this one's are spelled out from its filters.
    return [
        OpenApiParameter(
            name,
            OpenApiTypes.DATE if isinstance(declared, DayFilter) else OpenApiTypes.STR,
            many=isinstance(declared, ChoicesFilter),
            description=declared.extra.get("help_text", ""),
        )
        for name, declared in filterset.base_filters.items()
    ]


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


class FiguresView(APIView):
    @extend_schema(
        summary="The unit dashboard's figures",
        parameters=_schema_parameters(FiguresFilter),
        responses=DashboardSerializer,
    )
    def get(self, request):
        filters = FiguresFilter.clean(request.query_params)
        first, last = selectors.default_period()
        board = selectors.dashboard(
            user=request.user,
            unit=filters["unit"] or None,
            period_start=filters["start"] or first,
            period_end=filters["end"] or last,
            keys=filters["figure"] or None,
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

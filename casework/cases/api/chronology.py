"""The case's chronology: the audit ledger of the case in words, newest first."""

from __future__ import annotations

from urllib.parse import urlencode

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.audit.models import AuditEvent
from casework.core.filters import ChoiceFilter, QueryFilterSet, TextFilter

from .. import chronology
from .serializers import ChronologyPageSerializer


class ChronologyFilter(QueryFilterSet):
    kind = ChoiceFilter(choices=list(chronology.KINDS))
    cursor = TextFilter(help_text="From the ``next`` link of the page before.")

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class CaseChronologyView(APIView):
    """The case's history from the audit ledger, newest first, one row per action."""

    # A cursor over the ledger, not a queryset list: ``ChronologyFilter`` declares and checks
    # the parameters; drf-spectacular documents them through these (``filters=True`` below).
    filter_backends = [DjangoFilterBackend]
    filterset_class = ChronologyFilter
    queryset = AuditEvent.objects.none()

    @extend_schema(filters=True, responses=ChronologyPageSerializer)
    def get(self, request, number: str):
        case = chronology.chronology_case(user=request.user, number=number)
        wanted = ChronologyFilter.clean(request.query_params)
        kind = wanted["kind"]
        page = chronology.chronology_page(
            user=request.user, case=case, kind=kind, cursor=wanted["cursor"]
        )
        following = None
        if page.next_cursor:
            query = {"cursor": page.next_cursor, **({"kind": kind} if kind else {})}
            following = request.build_absolute_uri(request.path) + "?" + urlencode(query)
        return Response({"next": following, "results": [_row(e) for e in page.entries]})


def _row(entry: chronology.Entry) -> dict:
    return {
        "occurred_at": entry.occurred_at.isoformat(),
        "kind": entry.kind,
        "actor": entry.actor,
        "text": entry.text,
        "url": entry.url,
        "event_id": entry.event_id,
    }

"""``GET /api/v1/search/?q=…``: the search box for integrations, same groups and access as the
page (``casework.search.selectors``); bad input answers problem details."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.cases.models import Case
from casework.core.errors import DomainError
from casework.core.filters import QueryFilterSet, TextFilter
from casework.core.serializers import CaseworkSerializer

from . import selectors

GROUP_KINDS = [
    "cases",
    "referrals",
    "evidence",
    "partner_requests",
    "case_identifiers",
    "referral_identifiers",
]


class SearchHitSerializer(CaseworkSerializer):
    """One record found, with the link to its page."""

    reference = serializers.CharField(
        read_only=True, help_text="Case number, reference, exhibit number or identifier."
    )
    summary = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The record's page in the web app.")


class SearchGroupSerializer(CaseworkSerializer):
    """The matches of one kind of record that you may see: how many, and the first ones."""

    kind = serializers.ChoiceField(choices=GROUP_KINDS, read_only=True)
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(
        read_only=True, help_text=f"Matches you may see (at most {selectors.COUNT_CAP:,})."
    )
    count_is_capped = serializers.BooleanField(
        read_only=True, help_text="There are more matches than ``count``."
    )
    results = serializers.ListField(
        source="hits",
        child=SearchHitSerializer(),
        read_only=True,
        help_text=f"The first {selectors.SHOWN_PER_GROUP} matches.",
    )
    more_url = serializers.CharField(
        read_only=True, help_text="A list page with the rest, when one can filter this way."
    )


class SearchResultsSerializer(CaseworkSerializer):
    """Every group, always in the same order, with no match left out of a count."""

    query = serializers.CharField(read_only=True)
    total = serializers.IntegerField(read_only=True)
    groups = SearchGroupSerializer(many=True, read_only=True)


class SearchFilter(QueryFilterSet):
    q = TextFilter(
        required=True,
        max_length=selectors.MAX_QUERY_LENGTH,
        help_text=f"What to look for, 1 to {selectors.MAX_QUERY_LENGTH} characters: a case "
        "number or part of it, a title, a reference, an exhibit number, a store id or an "
        "identifier as typed (any case, spaces around it are ignored).",
    )

    class Meta:
        model = Case
        fields: list[str] = []


class SearchView(APIView):
    """Search cases, referrals, evidence items, partner requests and identifiers at once."""

    # Grouped results, not a queryset list: ``SearchFilter`` declares and checks ``q``;
    # drf-spectacular documents it through these (``filters=True`` below). Cases are the
    # first group, so they stand for the model the schema asks for.
    filter_backends = [DjangoFilterBackend]
    filterset_class = SearchFilter
    queryset = Case.objects.none()

    @extend_schema(
        operation_id="search",
        filters=True,
        responses={
            200: SearchResultsSerializer,
            400: OpenApiResponse(description="Problem details: the query is missing or refused."),
        },
    )
    def get(self, request):
        raw = request.query_params.get("q", "")  # as typed, for the audit trail of a refusal
        try:
            text = SearchFilter.clean(request.query_params)["q"]
        except DomainError:
            # Refused for its length or its characters: the search says why in its own words.
            text = raw.strip()
        if not text:
            raise DomainError("Give something to search for.", field="q", code="required")
        problem = selectors.query_problem(text)
        if problem:
            selectors.search_refused(user=request.user, query=raw, problem=problem, via="api")
            raise DomainError(problem, field="q", code="invalid_search")
        results = selectors.search_run(user=request.user, query=text, via="api")
        return Response(SearchResultsSerializer(results).data)

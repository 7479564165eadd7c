"""The query parameters of the partners API's lists, declared once (``core.filters``)."""

from __future__ import annotations

from casework.core.filters import (
    BooleanFilter,
    ChoiceFilter,
    QueryFilterSet,
    TextFilter,
    WholeNumberFilter,
)

from ..choices import AgencyKind, RequestKind, RequestStatus
from ..models import Agency, Communication, PartnerRequest


class AgencyFilter(QueryFilterSet):
    q = TextFilter(help_text="Words of the name (prefixes).")
    country = TextFilter(max_length=10, help_text="ISO 3166 alpha-2.")
    kind = ChoiceFilter(choices=AgencyKind.values)
    icse = BooleanFilter()

    class Meta:
        model = Agency
        fields: list[str] = []


class RecordFilter(QueryFilterSet):
    """Work on one case or one referral: 404 when that record is not one the caller may see."""

    case = TextFilter(help_text="Only this case (its number).")
    referral = WholeNumberFilter(help_text="Only this referral (its id).")


class CommunicationFilter(RecordFilter):
    class Meta:
        model = Communication
        fields: list[str] = []


class RequestFilter(RecordFilter):
    status = ChoiceFilter(choices=RequestStatus.values)
    kind = ChoiceFilter(choices=RequestKind.values)
    agency = WholeNumberFilter()

    class Meta:
        model = PartnerRequest
        fields: list[str] = []

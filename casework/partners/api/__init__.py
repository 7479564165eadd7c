"""API for partners under ``/api/v1/partners/``: thin views over the selectors and services.

Lists use keyset (cursor) pagination and declare their query parameters as FilterSets
(``filters``); errors are problem details (DomainError and NotFound are converted by
``casework.core.api``). A case is named by its number, a referral by its id; one the caller may
not see answers 404, as does any request or communication under it.
"""

from __future__ import annotations

from .directory import (
    AgencyContactsView,
    AgencyDetailView,
    AgencyListView,
    ContactDetailView,
    ContactHistoryView,
)
from .supervision import OpenRequestsView, ResponseTimesView
from .work import (
    CommunicationDetailView,
    CommunicationListView,
    ReferOutView,
    RequestDetailView,
    RequestListView,
    RequestStatusView,
)

__all__ = [
    "AgencyContactsView",
    "AgencyDetailView",
    "AgencyListView",
    "CommunicationDetailView",
    "CommunicationListView",
    "ContactDetailView",
    "ContactHistoryView",
    "OpenRequestsView",
    "ReferOutView",
    "RequestDetailView",
    "RequestListView",
    "RequestStatusView",
    "ResponseTimesView",
]

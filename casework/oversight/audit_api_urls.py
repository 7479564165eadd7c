"""``/api/v1/audit/``: the trail's API at its old paths and URL names (``audit-api:…``).

The search and the inclusion proof are the workspace's (they need case visibility); the
consistency proof is the ledger's own view, mounted here so one namespace keeps all three.
"""

from __future__ import annotations

from django.urls import path

from casework.audit.api import ConsistencyProofView

from . import trail_api

app_name = "audit-api"

urlpatterns = [
    path("events/", trail_api.AuditEventListView.as_view(), name="events"),
    path(
        "events/<int:event_id>/proof/",
        trail_api.InclusionProofView.as_view(),
        name="event-proof",
    ),
    path("consistency/", ConsistencyProofView.as_view(), name="consistency"),
]

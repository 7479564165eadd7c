from __future__ import annotations

from django.urls import path

from . import api

app_name = "audit-api"

urlpatterns = [
    path("events/", api.AuditEventListView.as_view(), name="events"),
    path("events/<int:event_id>/proof/", api.InclusionProofView.as_view(), name="event-proof"),
    path("consistency/", api.ConsistencyProofView.as_view(), name="consistency"),
]

from __future__ import annotations

from django.urls import path

from . import api

app_name = "audit-api"

urlpatterns = [
    path("events/", api.AuditEventListView.as_view(), name="events"),
]

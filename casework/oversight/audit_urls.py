"""``/audit/``: the audit workspace, at the paths and under the URL names (``audit:…``) it had
while the ledger app served it, so links, bookmarks and ``{% url 'audit:…' %}`` keep working."""

from __future__ import annotations

from django.urls import path

from . import workspace

app_name = "audit"

urlpatterns = [
    path("", workspace.event_list, name="events"),
    path("export.csv", workspace.export, {"fmt": "csv"}, name="export-csv"),
    path("export.json", workspace.export, {"fmt": "json"}, name="export-json"),
    path("flags/", workspace.flags, name="flags"),
    path("cases/<str:number>/", workspace.case_timeline, name="case-timeline"),
    path("people/<str:username>/", workspace.person_activity, name="person"),
]

from __future__ import annotations

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export-csv"),
    path("export.json", views.export, {"fmt": "json"}, name="export-json"),
    path("flags/", views.flags, name="flags"),
    path("cases/<str:number>/", views.case_timeline, name="case-timeline"),
    path("people/<str:username>/", views.person_activity, name="person"),
]

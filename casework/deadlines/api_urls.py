from __future__ import annotations

from django.urls import path

from . import api

app_name = "deadlines-api"

urlpatterns = [
    path("", api.DeadlineListView.as_view(), name="deadlines"),
    path("rules/", api.DeadlineRuleListView.as_view(), name="rules"),
    path("<uuid:reference>/", api.DeadlineDetailView.as_view(), name="deadline"),
    path("<uuid:reference>/meet/", api.DeadlineMeetView.as_view(), name="meet"),
    path("<uuid:reference>/waive/", api.DeadlineWaiveView.as_view(), name="waive"),
    path("<uuid:reference>/extend/", api.DeadlineExtendView.as_view(), name="extend"),
]

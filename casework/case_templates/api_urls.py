from __future__ import annotations

from django.urls import path

from . import api

app_name = "case_templates-api"

urlpatterns = [
    path("templates/", api.CaseTemplateListView.as_view(), name="templates"),
    path("templates/<int:pk>/", api.CaseTemplateDetailView.as_view(), name="template"),
    path("cases/<str:number>/checklist/", api.CaseChecklistView.as_view(), name="checklist"),
    path(
        "cases/<str:number>/checklist/<int:pk>/",
        api.ChecklistItemView.as_view(),
        name="checklist-item",
    ),
]

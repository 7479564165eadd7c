from __future__ import annotations

from django.urls import path

from . import views

app_name = "case_templates"

urlpatterns = [
    path("", views.template_list, name="list"),
    path("new/", views.template_new, name="new"),
    path("<int:pk>/", views.template_detail, name="detail"),
    path("<int:pk>/edit/", views.template_edit, name="edit"),
    path(
        "cases/<str:number>/checklist/<int:pk>/",
        views.checklist_resolve,
        name="checklist-resolve",
    ),
]

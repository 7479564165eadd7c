from __future__ import annotations

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("export.csv", views.export_csv, name="export"),
    path("new/", views.intake, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/triage/", views.triage_start, name="triage"),
    path("<int:pk>/priority/", views.prioritise, name="priority"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/refer-out/", views.refer_out, name="refer-out"),
    path("<int:pk>/identifiers/", views.identifier_add, name="identifier-add"),
]

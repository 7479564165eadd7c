from __future__ import annotations

from django.urls import path

from . import api

app_name = "hashsets-api"

urlpatterns = [
    path("sets/", api.RegisterView.as_view(), name="sets"),
    path("sets/<uuid:public_id>/", api.HashSetDetailView.as_view(), name="set"),
    path("sets/<uuid:public_id>/manifest/", api.ManifestView.as_view(), name="set-manifest"),
    path("sets/<uuid:public_id>/sharings/", api.SharingListView.as_view(), name="set-sharings"),
    path(
        "sharings/<uuid:public_id>/acknowledgement/",
        api.AcknowledgementView.as_view(),
        name="sharing-acknowledgement",
    ),
]

from __future__ import annotations

from django.urls import path

from . import api

app_name = "oversight-api"

urlpatterns = [
    path("figures/", api.FiguresView.as_view(), name="figures"),
]

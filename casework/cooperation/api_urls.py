from __future__ import annotations

from django.urls import path

from . import api

app_name = "cooperation-api"

urlpatterns = [
    path("pointers/", api.PointerSetView.as_view(), name="pointers"),
    path("confirmations/", api.ConfirmationView.as_view(), name="confirmations"),
]

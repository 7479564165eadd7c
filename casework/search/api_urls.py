from __future__ import annotations

from django.urls import path

from . import api

app_name = "search-api"

urlpatterns = [
    path("", api.SearchView.as_view(), name="search"),
]

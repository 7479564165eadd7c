from __future__ import annotations

from django.apps import AppConfig


class SearchConfig(AppConfig):
    """The search box: no models of its own, it reads through the other apps' selectors."""

    name = "casework.search"
    label = "search"
    verbose_name = "Search"

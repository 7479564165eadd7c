"""The main navigation, assembled from the apps so that no feature edits a shared list.

An app lists its entries as ``navigation = [NavItem(...)]`` on its AppConfig; an entry shows
when its URL exists and the user holds one of its roles (an empty ``roles`` means everyone
signed in). Home-page panels work the same way through ``home_panels``: templates included
with the request context, each guarding its own content through the app's selectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    order: int = 100


@cache
def _all_items() -> tuple[tuple[NavItem, str], ...]:
    items: list[tuple[NavItem, str]] = []
    for config in apps.get_app_configs():
        for item in getattr(config, "navigation", ()):
            try:
                items.append((item, reverse(item.url_name)))
            except NoReverseMatch:
                continue
    return tuple(sorted(items, key=lambda pair: (pair[0].order, pair[0].label)))


def navigation_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    roles = user.role_names
    return [
        {"label": item.label, "url": url}
        for item, url in _all_items()
        if not item.roles or roles & item.roles
    ]


@cache
def home_panel_templates() -> tuple[str, ...]:
    panels: list[tuple[int, str]] = []
    for config in apps.get_app_configs():
        panels.extend(getattr(config, "home_panels", ()))
    return tuple(template for _, template in sorted(panels))

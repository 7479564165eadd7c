"""The main navigation, assembled from the apps so that no feature edits a shared list.

An app lists its entries as ``navigation = [NavItem(...)]`` on its AppConfig; an entry shows
when its URL exists and the user holds one of its roles (an empty ``roles`` means everyone
signed in). Home-page panels work the same way through ``home_panels``: templates included
with the request context, each guarding its own content through the app's selectors. Pages an
app keeps for one case are listed as ``case_links = [(order, label, url_name)]`` (the URL takes
the case number) and shown on the case page.
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
def _case_link_names() -> tuple[tuple[int, str, str], ...]:
    links: list[tuple[int, str, str]] = []
    for config in apps.get_app_configs():
        links.extend(getattr(config, "case_links", ()))
    return tuple(sorted(links))


def case_links(number: str) -> list[dict]:
    """Pages other apps keep for one case (evidence, partner work), so the case page links
    to them without the cases app importing those apps. Each target checks access itself."""
    return [
        {"label": label, "url": reverse(url_name, args=[number])}
        for _, label, url_name in _case_link_names()
    ]


@cache
def home_panel_templates() -> tuple[str, ...]:
    panels: list[tuple[int, str]] = []
    for config in apps.get_app_configs():
        panels.extend(getattr(config, "home_panels", ()))
    return tuple(template for _, template in sorted(panels))

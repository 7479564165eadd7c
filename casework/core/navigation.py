"""The main navigation, assembled from the apps so that no feature edits a shared list.

An app lists its entries as ``navigation = [NavItem(...)]`` on its AppConfig; an entry shows
when its URL exists and the user holds one of its roles (an empty ``roles`` means everyone
signed in). Home-page panels work the same way through ``home_panels``: templates included
with the request context, each guarding its own content through the app's selectors. Pages an
app keeps for one case are listed as ``case_links = [(order, label, url_name)]`` (the URL takes
the case number) and shown on the case page.

The header groups the entries into a few menus so it never wraps on a laptop screen: an entry
names its group, or takes the one its app is filed under in ``GROUP_OF_APP``; an entry only
administrators see goes under Admin. A group with a single entry is shown as a plain link.
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
    group: str = ""


# Menus in the order they appear in the header.
GROUPS = ("Work", "Evidence", "Partners", "Oversight", "Audit", "Admin")
GROUP_OF_APP = {
    "referrals": "Work",
    "cases": "Work",
    "deadlines": "Work",
    "search": "Work",
    "custody": "Evidence",
    "hashsets": "Evidence",
    "partners": "Partners",
    "oversight": "Oversight",
    "audit": "Audit",
    "admin": "Admin",
}
ADMINISTRATOR = frozenset({"administrator"})

# Pages with no entry of their own in their app; user and unit management live in the Django
# admin, which the administrator reaches from here.
CORE_ITEMS = (
    NavItem("Calendar", "deadlines:calendar", frozenset({"investigator", "supervisor"}), 32),
    NavItem("Users", "admin:accounts_user_changelist", ADMINISTRATOR, 95, "Admin"),
    NavItem("Units", "admin:accounts_unit_changelist", ADMINISTRATOR, 96, "Admin"),
)


def group_of(item: NavItem) -> str:
    if item.group:
        return item.group
    if item.roles == ADMINISTRATOR:
        return "Admin"
    return GROUP_OF_APP.get(item.url_name.split(":", 1)[0], "Work")


@cache
def _all_items() -> tuple[tuple[NavItem, str], ...]:
    items: list[tuple[NavItem, str]] = []
    declared = [
        item for config in apps.get_app_configs() for item in getattr(config, "navigation", ())
    ]
    for item in (*declared, *CORE_ITEMS):
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
        {"label": item.label, "url": url, "group": group_of(item)}
        for item, url in _all_items()
        if not item.roles or roles & item.roles
    ]


def navigation_groups(items: list[dict], path: str) -> list[dict]:
    """The header's menus: each group with its entries, the entry matching the current page
    (the longest URL that prefixes the path) marked current, and its group with it."""
    current = max(
        (item["url"] for item in items if path.startswith(item["url"])), key=len, default=None
    )
    groups = []
    for name in GROUPS:
        entries = [
            {**item, "current": item["url"] == current} for item in items if item["group"] == name
        ]
        if entries:
            groups.append(
                {
                    "name": name,
                    "slug": name.lower(),
                    "entries": entries,
                    "current": any(entry["current"] for entry in entries),
                }
            )
    return groups


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

from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class CustodyConfig(AppConfig):
    name = "casework.custody"
    label = "custody"
    verbose_name = "Chain of custody"
    navigation = [
        NavItem("Evidence", "custody:items", frozenset({"investigator", "supervisor"}), 40),
        NavItem("Evidence stores", "custody:stores", frozenset({"administrator"}), 90),
    ]
    home_panels = [(40, "custody/_home_panel.html")]
    case_links = [(20, "Evidence and custody", "custody:case-items")]

    def ready(self) -> None:
        from . import (
            handlers,  # noqa: F401 - moves evidence items when cases merge
            selectors,
        )

        # Listed on the case's closure checklist (casework.cases.closure).
        self.case_open_items = selectors.case_open_items
        # A panel of the case page, with its header facts (casework.cases.selectors).
        self.case_section = selectors.case_section

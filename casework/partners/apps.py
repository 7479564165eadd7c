from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class PartnersConfig(AppConfig):
    name = "casework.partners"
    label = "partners"
    verbose_name = "Partners"
    navigation = [
        NavItem("Partners", "partners:directory", frozenset(), 40),
        NavItem("Partner requests", "partners:supervision", frozenset({"supervisor"}), 41),
    ]
    home_panels = [(40, "partners/_home_panel.html")]
    case_links = [(30, "Partners and requests", "partners:case")]

    def ready(self) -> None:
        from . import (
            handlers,  # noqa: F401 - moves requests when cases merge
            selectors,
        )

        # Listed on the case's closure checklist (casework.cases.closure).
        self.case_open_items = selectors.case_open_items
        # A panel of the case page, with its header facts (casework.cases.selectors).
        self.case_section = selectors.case_section

from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class CaseTemplatesConfig(AppConfig):
    name = "casework.case_templates"
    label = "case_templates"
    verbose_name = "Case templates"
    navigation = [
        NavItem("Case templates", "case_templates:list", frozenset({"administrator"}), 92),
    ]

    def ready(self) -> None:
        # Applies templates as cases open and ticks checklist items as evidence is recorded.
        from . import (
            handlers,  # noqa: F401
            selectors,
        )

        # Unresolved checklist items on the closure checklist (casework.cases.closure).
        self.case_open_items = selectors.case_open_items
        # The checklist panel of the case page (casework.cases.selectors.case_header).
        self.case_section = selectors.case_section
        # The templates an investigator may choose when opening a case by hand.
        self.case_template_choices = selectors.template_choices

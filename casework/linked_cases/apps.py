from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class LinkedCasesConfig(AppConfig):
    name = "casework.linked_cases"
    label = "linked_cases"
    verbose_name = "Linked cases"
    navigation = [NavItem("Transfers", "linked_cases:transfers", frozenset({"supervisor"}), 24)]

    def ready(self) -> None:
        from . import (
            handlers,  # noqa: F401 - links follow a merged case
            selectors,
        )

        # The "Linked cases" panel of the case page (casework.cases.selectors.case_header).
        self.case_section = selectors.case_section

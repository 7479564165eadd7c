from __future__ import annotations

from django.apps import AppConfig


class LinkedCasesConfig(AppConfig):
    name = "casework.linked_cases"
    label = "linked_cases"
    verbose_name = "Linked cases"

    def ready(self) -> None:
        from . import (
            handlers,  # noqa: F401 - links follow a merged case
            selectors,
        )

        # The "Linked cases" panel of the case page (casework.cases.selectors.case_header).
        self.case_section = selectors.case_section

from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class CooperationConfig(AppConfig):
    name = "casework.cooperation"
    label = "cooperation"
    verbose_name = "Cooperation between installations"
    navigation = [
        NavItem(
            "Pointer exchanges",
            "cooperation:exchanges",
            frozenset({"supervisor", "administrator"}),
            42,
        ),
        NavItem("Partner keys", "cooperation:keys", frozenset({"administrator"}), 43),
    ]

    def ready(self) -> None:
        from . import (
            handlers,  # noqa: F401 - new identifiers are looked up in partners' sets
            selectors,
        )

        # The "Partner agencies" panel of the case page (casework.cases.selectors.case_header).
        self.case_section = selectors.case_section

from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class HashSetsConfig(AppConfig):
    """The hash-set sharing register (issue 22): sets made from seized items, where each was
    shared, acknowledgements, and the clocks on submission and acknowledgement."""

    name = "casework.hashsets"
    label = "hashsets"
    verbose_name = "Hash-set sharing register"
    navigation = [
        NavItem("Hash sets", "hashsets:register", frozenset({"investigator", "supervisor"}), 41),
    ]

    def ready(self) -> None:
        from . import (
            handlers,  # noqa: F401 - starts the submission clock when an item is seized
            selectors,
        )

        # A panel of the case page, with its header facts (casework.cases.selectors).
        self.case_section = selectors.case_section

from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem

WORKERS = frozenset({"investigator", "supervisor"})


class CasesConfig(AppConfig):
    name = "casework.cases"
    label = "cases"
    verbose_name = "Cases"
    navigation = [
        NavItem("My cases", "cases:mine", WORKERS, 20),
        NavItem("Cases", "cases:list", WORKERS | {"administrator"}, 21),
        NavItem("Unit cases", "cases:unit", frozenset({"supervisor"}), 22),
        NavItem("Closures", "cases:closures", frozenset({"supervisor"}), 23),
    ]
    home_panels = [(20, "cases/_home_panel.html")]

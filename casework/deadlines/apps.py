from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class DeadlinesConfig(AppConfig):
    name = "casework.deadlines"
    label = "deadlines"
    verbose_name = "Deadlines"
    navigation = [
        NavItem("Deadlines", "deadlines:mine", frozenset({"investigator", "supervisor"}), 30),
        NavItem("Unit board", "deadlines:board", frozenset({"supervisor"}), 31),
    ]
    home_panels = [(20, "deadlines/_home_panel.html")]

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - subscribes to referral and case events

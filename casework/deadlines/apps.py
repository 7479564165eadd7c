from __future__ import annotations

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from casework.core.navigation import NavItem
from casework.referrals.clocks import use_triage_rules

from .defaults import install_default_rules


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
        # Modules that define or read models load once the app registry is ready.
        from . import selectors

        # Listed on the case's closure checklist (casework.cases.closure).
        self.case_open_items = selectors.case_open_items
        # A panel of the case page, with its header facts (casework.cases.selectors).
        self.case_section = selectors.case_section

        from . import handlers  # noqa: F401 - subscribes to referral and case events
        from .rules import triage_clock

        # The triage rules administrators edit are the one source of a referral's triage clock.
        use_triage_rules(triage_clock)
        post_migrate.connect(_ensure_default_rules, sender=self)


def _ensure_default_rules(sender, using="default", **kwargs) -> None:
    # A flushed database (transactional tests) has lost the migration's rows; without rules no
    # case could be opened (its review clock needs one). Only an empty table is refilled.
    from .models import DeadlineRule

    if DeadlineRule._meta.db_table in connections[using].introspection.table_names():
        install_default_rules(DeadlineRule, only_if_empty=True)

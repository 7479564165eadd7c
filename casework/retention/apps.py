from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from casework.core.navigation import NavItem


class RetentionConfig(AppConfig):
    name = "casework.retention"
    label = "retention"
    verbose_name = "Retention"
    navigation = [
        NavItem("Retention", "retention:queue", frozenset({"supervisor"}), 85, "Oversight"),
        NavItem(
            "Disposed records", "retention:tombstones", frozenset({"auditor"}), 86, "Oversight"
        ),
        NavItem("Retention schedule", "retention:schedule", frozenset({"administrator"}), 90),
    ]

    def ready(self) -> None:
        # Here and not at the top: the handlers import the models, which need the app registry.
        from . import handlers

        post_migrate.connect(handlers.ensure_default_rules, sender=self)

from __future__ import annotations

from django.apps import AppConfig

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
        from django.db.models.signals import post_migrate

        from . import handlers  # noqa: F401 - review clocks follow closures and triage

        post_migrate.connect(_ensure_default_rules, sender=self)


def _ensure_default_rules(sender, using="default", **kwargs) -> None:
    # A flushed database (transactional tests) has lost the migration's rows.
    from django.db import connections

    from .defaults import install_default_rules
    from .models import RetentionRule

    if RetentionRule._meta.db_table in connections[using].introspection.table_names():
        install_default_rules(RetentionRule, only_if_empty=True)

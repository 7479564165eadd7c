from __future__ import annotations

from django.apps import AppConfig

from casework.core.navigation import NavItem


class AuditConfig(AppConfig):
    name = "casework.audit"
    label = "audit"
    verbose_name = "Audit trail"
    navigation = [
        NavItem("Audit trail", "audit:events", frozenset({"auditor", "supervisor"}), 80),
        NavItem("Audit flags", "audit:flags", frozenset({"auditor", "supervisor"}), 81),
    ]
    home_panels = [(10, "audit/_home_panel.html")]

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import capture

        connection_created.connect(capture.install_wrapper, dispatch_uid="audit-capture-wrapper")
        post_migrate.connect(capture.on_post_migrate, sender=self, dispatch_uid="audit-capture")

from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The ledger: events, capture, sealing, proofs, verification. Its readers' workspace (search,
    flags, weekly reviews, the home panel) is oversight's."""

    name = "casework.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import capture

        connection_created.connect(capture.install_wrapper, dispatch_uid="audit-capture-wrapper")
        post_migrate.connect(capture.on_post_migrate, sender=self, dispatch_uid="audit-capture")

from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared helpers (errors, request context, API conventions) and the system heartbeat."""

    name = "casework.core"
    label = "core"
    verbose_name = "System"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the scheduler heartbeat

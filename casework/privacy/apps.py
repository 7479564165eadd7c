from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "casework.privacy"
    label = "privacy"
    verbose_name = "Privacy: keys and field encryption"

    def ready(self) -> None:
        from . import handlers  # noqa: F401 - subscribes to record.disposed

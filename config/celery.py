"""The Celery app, configured once from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

from .startup import guarded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _load_settings() -> None:
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - forces settings to load, so bad config fails in one line


guarded(_load_settings)

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _prepare_embedded_broker() -> None:
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        for folder in ("data_folder_in", "processed_folder", "control_folder"):
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]).mkdir(
                parents=True, exist_ok=True
            )


_prepare_embedded_broker()

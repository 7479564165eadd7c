"""The Celery app, configured once from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os

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

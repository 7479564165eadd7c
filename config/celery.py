"""The Celery app, configured once from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery
from celery.signals import celeryd_after_setup
from kombu import Queue

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


@celeryd_after_setup.connect
def _consume_own_heartbeat(sender: str, instance, **kwargs) -> None:
    """Each worker consumes a heartbeat queue of its own, bound to the broadcast exchange, so
    each records its own beat under its node name. Auto-deleted when the worker disconnects
    (RabbitMQ): a dead worker's beats are not kept for it."""
    from django.conf import settings

    instance.app.amqp.queues.select_add(
        Queue(
            f"casework.heartbeat.{sender}",
            exchange=settings.CASEWORK_HEARTBEAT_EXCHANGE,
            routing_key=settings.CELERY_TASK_ROUTES["casework.core.heartbeat"]["routing_key"],
            durable=False,
            auto_delete=True,
        )
    )

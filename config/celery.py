"""The Celery app, configured once from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery, signals
from celery.beat import PersistentScheduler
from kombu import Queue

from .startup import guarded, load_settings, require_signing_key, setup_and_require_keys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

guarded(load_settings)

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


@signals.celeryd_init.connect
def _worker_needs_the_signing_key(**kwargs) -> None:
    # Any worker may be handed the sealing task, so every production worker checks the key
    # before taking work (one sentence and exit 2, not a traceback every 10 seconds).
    guarded(require_signing_key)
    guarded(_keys_open_this_installation)


def _keys_open_this_installation() -> None:
    # A worker with the wrong KEK would write every imported identifier unreadable.
    from django.db import connections

    setup_and_require_keys()
    connections.close_all()  # not inherited by the forked pool processes


class CaseworkScheduler(PersistentScheduler):
    """Beat's default scheduler, creating the schedule file's folder first (a fresh server's
    ``/var/lib/casework`` or ``var/`` may not exist yet)."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()


@signals.celeryd_after_setup.connect
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

from __future__ import annotations

from celery import shared_task

from .models import Heartbeat
from .services import heartbeat_record

HEARTBEAT_TASK = "casework.core.heartbeat"


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat(source: str = "manual") -> None:
    """Runs on a worker: proves a worker is consuming the queue."""
    heartbeat_record(component=Heartbeat.Component.WORKER)

"""The scheduler's half of the heartbeat.

Celery beat has no hook of its own per tick, but it publishes the heartbeat task with
``source="beat"``; recording at publish time proves the scheduler is alive even when no worker
is running (which the worker's own beat would then reveal as stale).
"""

from __future__ import annotations

from celery.signals import before_task_publish


@before_task_publish.connect
def record_scheduler_heartbeat(sender=None, body=None, **kwargs) -> None:
    from .models import Heartbeat
    from .services import heartbeat_record
    from .tasks import HEARTBEAT_TASK

    if sender != HEARTBEAT_TASK:
        return
    # Protocol 2 bodies are (args, kwargs, embed).
    task_kwargs = body[1] if isinstance(body, list | tuple) and len(body) > 1 else {}
    if task_kwargs.get("source") == "beat":
        heartbeat_record(component=Heartbeat.Component.SCHEDULER)

from __future__ import annotations

import socket

from celery import shared_task

from .models import Heartbeat
from .services import heartbeat_record

HEARTBEAT_TASK = "casework.core.heartbeat"


@shared_task(name=HEARTBEAT_TASK, bind=True, ignore_result=True)
def heartbeat(self, source: str = "manual") -> None:
    """Runs on every worker (the task is broadcast): proves this worker consumes its queues,
    under its Celery node name, so the one that stopped can be named."""
    heartbeat_record(
        component=Heartbeat.Component.WORKER,
        hostname=self.request.hostname or socket.gethostname(),
    )


# E-mails must survive a worker's death: acknowledged after they ran, and handed to another
# worker when theirs dies mid-task. Both are idempotent (the row lock and ``emailed_at``).
@shared_task(
    name="casework.core.send_notification_email",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification; a retry after success is a no-op."""
    from .notifications import notification_email_send

    return notification_email_send(notification_id=notification_id)


@shared_task(
    name="casework.core.retry_notification_emails",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def retry_notification_emails() -> int:
    """Beat, every minute: queue again the e-mails owed whose retry time has come."""
    from .notifications import notification_emails_retry

    return len(notification_emails_retry())

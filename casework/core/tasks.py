from __future__ import annotations

from celery import shared_task

from .models import Heartbeat
from .services import heartbeat_record

HEARTBEAT_TASK = "casework.core.heartbeat"


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat(source: str = "manual") -> None:
    """Runs on a worker: proves a worker is consuming the queue."""
    heartbeat_record(component=Heartbeat.Component.WORKER)


@shared_task(name="casework.core.send_notification_email", acks_late=True, ignore_result=True)
def send_notification_email(notification_id: int) -> None:
    """E-mail one notification; ``emailed_at`` makes a retry after success a no-op."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.db import transaction
    from django.utils import timezone

    from .models import Notification

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return
        link = f"\n\n{settings.CASEWORK_BASE_URL}{notification.link}" if notification.link else ""
        send_mail(
            subject=f"[Casework] {notification.subject}",
            message=f"{notification.body}{link}",
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])

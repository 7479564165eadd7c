from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Heartbeat


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    label: str
    last_seen_at: datetime | None
    healthy: bool


def heartbeat_status(*, now: datetime | None = None) -> list[ComponentStatus]:
    """Each background component with its last beat; stale after three missed beats."""
    now = now or timezone.now()
    stale_after = timedelta(seconds=settings.CELERY_HEARTBEAT_SECONDS * 3)
    seen = {beat.component: beat.last_seen_at for beat in Heartbeat.objects.all()}
    return [
        ComponentStatus(
            component=value,
            label=label,
            last_seen_at=seen.get(value),
            healthy=seen.get(value) is not None and now - seen[value] <= stale_after,
        )
        for value, label in Heartbeat.Component.choices
    ]

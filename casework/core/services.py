from __future__ import annotations

import socket

from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, component: str, hostname: str | None = None) -> Heartbeat:
    """Record that a background component is alive (an upsert: one row per component)."""
    beat, _ = Heartbeat.objects.update_or_create(
        component=component,
        defaults={"last_seen_at": timezone.now(), "hostname": hostname or socket.gethostname()},
    )
    return beat

from __future__ import annotations

import socket

from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, component: str, hostname: str | None = None) -> Heartbeat:
    """Record that a background process is alive (an upsert: one row per component and host)."""
    beat, _ = Heartbeat.objects.update_or_create(
        component=component,
        hostname=(hostname or socket.gethostname())[:255],
        defaults={"last_seen_at": timezone.now()},
    )
    return beat

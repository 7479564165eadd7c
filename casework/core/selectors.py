from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import Heartbeat

# A worker that has stopped beating is shown (red, by name) until it has been gone this long
# while the expected number of workers runs without it: a machine retired on purpose.
RETIRED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ComponentStatus:
    component: str
    label: str
    hostname: str
    last_seen_at: datetime | None
    healthy: bool


@dataclass(frozen=True)
class BackgroundStatus:
    """The scheduler and each worker, and whether the expected number of workers runs."""

    components: list[ComponentStatus]
    workers_expected: int
    workers_running: int

    @property
    def healthy(self) -> bool:
        return all(c.healthy for c in self.components)

    @property
    def stopped(self) -> list[ComponentStatus]:
        return [c for c in self.components if not c.healthy]


def background_status(*, now: datetime | None = None) -> BackgroundStatus:
    """Each background process with its last beat; stale after three missed beats.

    One scheduler (the latest to beat: only one runs). Every worker by its Celery node name,
    plus a row "not seen" for each worker missing to make up ``CASEWORK_WORKERS_EXPECTED``, so
    a worker that never started is as visible as one that stopped.
    """
    now = now or timezone.now()
    stale_after = timedelta(seconds=settings.CELERY_HEARTBEAT_SECONDS * 3)
    expected = settings.CASEWORK_WORKERS_EXPECTED

    def fresh(beat: Heartbeat | None) -> bool:
        return beat is not None and now - beat.last_seen_at <= stale_after

    beats = list(Heartbeat.objects.order_by("component", "hostname"))
    schedulers = [b for b in beats if b.component == Heartbeat.Component.SCHEDULER]
    scheduler = max(schedulers, key=lambda b: b.last_seen_at, default=None)
    workers = [b for b in beats if b.component == Heartbeat.Component.WORKER]
    running = sum(1 for b in workers if fresh(b))
    if running >= expected:
        workers = [b for b in workers if fresh(b) or now - b.last_seen_at <= RETIRED_AFTER]
    label = Heartbeat.Component.WORKER.label
    components = [
        ComponentStatus(
            component=Heartbeat.Component.SCHEDULER,
            label=Heartbeat.Component.SCHEDULER.label,
            hostname=scheduler.hostname if scheduler else "",
            last_seen_at=scheduler.last_seen_at if scheduler else None,
            healthy=fresh(scheduler),
        ),
        *(
            ComponentStatus(
                component=Heartbeat.Component.WORKER,
                label=f"{label} {b.hostname}",
                hostname=b.hostname,
                last_seen_at=b.last_seen_at,
                healthy=fresh(b),
            )
            for b in workers
        ),
        *(
            ComponentStatus(
                component=Heartbeat.Component.WORKER,
                label=f"{label} (expected, never seen)",
                hostname="",
                last_seen_at=None,
                healthy=False,
            )
            for _ in range(expected - len(workers))
        ),
    ]
    return BackgroundStatus(
        components=components, workers_expected=expected, workers_running=running
    )


def heartbeat_status(*, now: datetime | None = None) -> list[ComponentStatus]:
    """The rows of ``background_status``: the scheduler, then each worker."""
    return background_status(now=now).components

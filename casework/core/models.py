from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    """Base for domain records: when a row was created and last changed (UTC)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last time each background component proved it was alive.

    The scheduler (Celery beat) records a beat when it sends the heartbeat task; a worker records
    one when it runs it. Administrators see both on the home page: a stale scheduler means no
    reminders go out, a stale worker means queued work is waiting.
    """

    class Component(models.TextChoices):
        SCHEDULER = "scheduler", "Scheduler (Celery beat)"
        WORKER = "worker", "Worker"

    component = models.CharField(max_length=20, choices=Component.choices, primary_key=True)
    last_seen_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.get_component_display()} at {self.last_seen_at:%Y-%m-%d %H:%M:%S}"

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    """Base for domain records: when a row was created and last changed (UTC)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last time each background process proved it was alive, one row per host.

    The scheduler (Celery beat) records a beat when it sends the heartbeat task; every worker
    records one when it runs its copy (the task is broadcast, so each worker gets one), under
    its Celery node name (``celery@host``). Administrators see them on the home page: a stale
    scheduler means no reminders go out; a stale worker, named, means that machine stopped
    and, when fewer run than ``CASEWORK_WORKERS_EXPECTED``, queued work waits for the others.
    """

    class Component(models.TextChoices):
        SCHEDULER = "scheduler", "Scheduler (Celery beat)"
        WORKER = "worker", "Worker"

    component = models.CharField(max_length=20, choices=Component.choices)
    hostname = models.CharField(max_length=255, blank=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["component", "hostname"]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "hostname"], name="heartbeat_once_per_host"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_component_display()} {self.hostname} at "
            f"{self.last_seen_at:%Y-%m-%d %H:%M:%S}"
        )


class Notification(models.Model):
    """A message to one person, shown in Casework (with an unread count) and sent by e-mail.

    ``dedupe_key`` makes a notification happen once: a reminder that a retried task, a second
    worker or a restarted scheduler tries to send again hits the unique constraint instead of
    the person's inbox.
    """

    recipient = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The e-mail is owed until it went: the retry sweep tries again at ``email_retry_at`` (empty
    # when nothing is owed: sent, not wanted, or given up after the last attempt), backing off.
    email_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)
    email_failure = models.TextField(
        blank=True, db_default="", help_text="Why the last attempt to e-mail it failed."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once_per_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_unread_idx",
                condition=models.Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
            # The retry sweep: e-mails owed whose time has come.
            models.Index(
                fields=["email_retry_at"],
                name="notification_email_retry_idx",
                condition=models.Q(email_retry_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.subject}"

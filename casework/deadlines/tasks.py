from __future__ import annotations

from celery import shared_task

from . import services

SWEEP_TASK = "casework.deadlines.sweep"


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep() -> dict:
    """Beat, every minute: mark missed, escalate, claim due reminders (exactly once)."""
    result = services.deadlines_sweep()
    return {
        "reminders": result.reminders,
        "missed": result.missed,
        "resent": result.resent,
        "skipped": result.skipped,
    }


@shared_task(
    name="casework.deadlines.send_reminders", acks_late=True, ignore_result=True, max_retries=5
)
def send_deadline_reminders(reminder_ids: list[int]) -> int:
    """Send a chunk of claimed reminders; safe to run twice (notified_at, dedupe keys)."""
    return services.deadline_reminders_send(reminder_ids=reminder_ids)

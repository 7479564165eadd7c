from __future__ import annotations

from celery import shared_task

from . import services

SWEEP_TASK = "casework.deadlines.sweep"


# Late acknowledgement, and a task whose worker died is handed to another one rather than
# dropped: both tasks are idempotent (the claim and the sent messages are held by constraints).
@shared_task(name=SWEEP_TASK, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
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
    name="casework.deadlines.send_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_deadline_reminders(reminder_ids: list[int]) -> int:
    """Send a chunk of claimed reminders; safe to run twice or in any split (each message is
    locked, recorded and keyed by its claim)."""
    return services.deadline_reminders_send(reminder_ids=reminder_ids)

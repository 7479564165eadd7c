"""Oversight work in the background: keep the administrators' all-units figures computed."""

from __future__ import annotations

from celery import shared_task

REFRESH_TASK = "casework.oversight.refresh_snapshots"


@shared_task(name=REFRESH_TASK, ignore_result=True)
def refresh_snapshots() -> dict[str, int]:
    """Idempotent: each period's snapshot is replaced by one statement, whoever runs last."""
    from .snapshots import refresh_every_unit

    return refresh_every_unit()

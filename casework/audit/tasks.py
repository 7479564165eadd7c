"""Scheduled audit work: seal committed events, and verify the whole ledger nightly."""

from __future__ import annotations

from celery import shared_task

SEAL_TASK = "casework.audit.seal"
VERIFY_TASK = "casework.audit.verify"


@shared_task(name=SEAL_TASK, ignore_result=True)
def seal() -> dict:
    """Idempotent: a second sealer finds the advisory lock taken and returns at once."""
    from .sealing import seal_all

    return seal_all()


@shared_task(name=VERIFY_TASK, ignore_result=True)
def verify() -> dict:
    """Recompute everything and record the result for the auditor's status panel."""
    from .verification import verify_ledger

    return verify_ledger(record=True).counts()

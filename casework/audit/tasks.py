"""Audit work in the background: seal committed events, verify the whole ledger nightly, and
ask witnesses to cosign each new checkpoint."""

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


WITNESS_TASK = "casework.audit.witness_checkpoint"


@shared_task(name=WITNESS_TASK, ignore_result=True, acks_late=True)
def witness_checkpoint(checkpoint_id: int) -> list[dict]:
    """Ask the configured witnesses to cosign one signed checkpoint (sent after sealing).

    Idempotent: witnesses that already cosigned it are not asked again.
    """
    from dataclasses import asdict

    from .witness import checkpoint_send_to_witnesses

    return [asdict(o) for o in checkpoint_send_to_witnesses(checkpoint_id=checkpoint_id)]

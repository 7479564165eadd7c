from __future__ import annotations

import logging

from celery import shared_task

from . import client

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=8)
def send_confirmation(self, hit_id: int) -> None:
    """Tell the partner's installation we confirmed a hit (``…/cooperation/confirmations/``).

    Tried again with a growing wait (1 minute, doubling: about 4 hours over 8 tries) while the
    partner cannot be reached or answers 5xx; a refusal (4xx), or the last try failing, is
    logged and audited once (``pointers.sync``, step *confirm*), and the task ends."""
    last_attempt = self.request.retries >= self.max_retries
    try:
        client.confirmation_send(hit_id=hit_id, last_attempt=last_attempt)
    except client.SyncFailure as failure:
        if failure.retry and not last_attempt:
            raise self.retry(countdown=60 * 2**self.request.retries) from None
        logger.warning("confirmation of hit %s not recorded by the partner", hit_id)


@shared_task(name="casework.cooperation.sync", acks_late=True)
def sync_pointers() -> list[str]:
    """The beat entry ``pointers-sync`` (off unless ``CASEWORK_COOP_SYNC_MINUTES``): fetch
    each partner's set and push ours. Idempotent: a set fetched twice replaces itself."""
    return [result.error or f"{result.issuer}: ok" for result in client.pointers_sync()]

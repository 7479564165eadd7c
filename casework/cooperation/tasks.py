from __future__ import annotations

import urllib.request
from pathlib import Path

from celery import shared_task
from django.conf import settings

from .models import PointerHit


def _partner_token(issuer: str) -> str:
    path = settings.COOP_PARTNER_TOKENS_FILE
    if not path:
        return ""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == issuer:
            return parts[1]
    return ""


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=8)
def send_confirmation(hit_id: int) -> None:
    """Tell the partner's installation we confirmed a hit (``…/cooperation/confirmations/``)."""
    from .services import confirmation_message

    hit = PointerHit.objects.select_related("installation").get(pk=hit_id)
    token = _partner_token(hit.installation.issuer)
    request = urllib.request.Request(
        hit.installation.url.rstrip("/") + "/api/v1/cooperation/confirmations/",
        data=confirmation_message(hit),
        method="POST",
        headers={"Content-Type": "application/x-ndjson", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass

"""The secret token of a person's calendar feed."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from casework.audit.services import audit_record

from ..models import CalendarFeedToken


@transaction.atomic
def calendar_feed_token_issue(*, actor) -> str:
    """A new secret feed token for ``actor``, replacing any earlier one (which stops working).
    Returns the token itself: it is shown once and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    existed = CalendarFeedToken.objects.filter(user=actor).delete()[0] > 0
    CalendarFeedToken.objects.create(user=actor, token_hash=digest)
    audit_record(
        actor=actor,
        action="deadline.feed_token_regenerate" if existed else "deadline.feed_token_create",
        target=actor,
    )
    return token


@transaction.atomic
def calendar_feed_token_revoke(*, actor) -> bool:
    deleted = CalendarFeedToken.objects.filter(user=actor).delete()[0] > 0
    if deleted:
        audit_record(actor=actor, action="deadline.feed_token_revoke", target=actor)
    return deleted

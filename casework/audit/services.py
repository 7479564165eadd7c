"""Writing the audit trail. Every service that changes or reveals a record calls ``audit_record``.

Threat: an insider who reads or changes records without need, then denies it. The event is written
in the caller's transaction (so it exists exactly when the change does) and carries the request
context (request id, IP, user agent, stated reason) bound by the middleware or by ``acting_as``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from casework.core import context

from .choices import Outcome
from .models import AuditEvent


def _object_identity(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    case_id: int | None = None,
    outcome: str = Outcome.SUCCEEDED,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append one event. ``action`` is ``<record>.<verb>``, e.g. ``case.view``, ``auth.sign_in``."""
    if target is not None:
        object_type, object_id = _object_identity(target)
    request = context.current()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor if authenticated else None,
        actor_username=actor.get_username()
        if authenticated
        else (details or {}).get("username", ""),
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        request_id=request.request_id,
        ip_address=request.ip_address,
        user_agent=request.user_agent,
        reason=reason if reason is not None else request.reason,
        changes=changes or {},
        details=details or {},
    )

"""Writing the audit trail. Every service that changes or reveals a record calls ``audit_record``.

Threat: an insider who reads or changes records without need, then denies it. The event is written
in the caller's transaction (so it exists exactly when the change does) and carries the request
context (request id, IP, user agent, stated reason) bound by the middleware or by ``acting_as``.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

from casework.core import context

from .choices import Outcome
from .models import AuditEvent
from .sealing import seal_pending


def json_safe(value: Any) -> Any:
    """Make ``changes``/``details`` JSON: times in UTC with microseconds, no floats.

    The ledger's canonical bytes carry no binary floating point (RFC 8785 would print floats in
    a way that depends on their binary value), so floats and decimals become exact strings.
    """
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [json_safe(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
            return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return value.isoformat(timespec="microseconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value.total_seconds())
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


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
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor.pk if authenticated else None,
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
        changes=json_safe(changes or {}),
        details=json_safe(details or {}),
    )
    # Through ``audit_event_append`` (sql.py) rather than ``objects.create`` or an INSERT: every
    # page view and every change writes an event, and an INSERT with its values written in is
    # parsed and planned each time, which cost more than storing it; the function's INSERT is
    # planned once per session. One round trip either way.
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_EVENT,
            [
                event.occurred_at,
                event.actor_id,
                event.actor_username,
                action,
                outcome,
                event.object_type,
                event.object_id,
                case_id,
                event.request_id,
                event.ip_address,
                event.user_agent,
                event.reason,
                Jsonb(event.changes),
                Jsonb(event.details),
                event.source,
            ],
        )
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    return event


_INSERT_EVENT = """
SELECT audit_event_append(%s::timestamptz, %s::bigint, %s, %s, %s, %s, %s, %s::bigint, %s, %s::inet,
    %s, %s, %s::jsonb, %s::jsonb, %s)
"""


def audit_seal_pending(*, limit: int = 200_000, sign: bool | None = None) -> dict[str, Any]:
    """Seal what has committed, in order; sign a checkpoint when due. Returns counts.

    A thin re-export for the task and the benchmark: see ``casework.audit.sealing``.
    """
    return seal_pending(limit=limit, sign=sign)

"""Reads of the ledger itself, for no one in particular: keyset cursors, the actions it holds,
and its sealing status.

Who may read which events is not decided here: the ledger sits below the apps whose records
it names, so need-to-know over the trail (which cases a supervisor may see) lives with the
audit workspace in ``casework.oversight.trail``.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from casework.core.errors import DomainError

from . import conf
from .models import AuditCheckpoint, AuditEvent, AuditVerification


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        moment, _, pk = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("That page link is not valid any more.", field="cursor") from None


def encode_cursor(event: AuditEvent) -> str:
    token = f"{event.occurred_at.isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(token.encode()).decode()


def actions_starting(prefix: str) -> list[str]:
    """Every action the trail holds that starts with ``prefix``, in no particular order.

    The trail holds about a hundred distinct actions however long it is; this steps from one to
    the next through the action index (one index descent each) instead of reading events.
    Searching for each by equality then lets the (action, occurred_at, id) index hand the
    events over newest first; ``LIKE 'prefix%'`` cannot use that index outside the "C"
    collation, and would then wade through every newer event of other actions.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE actions(action) AS ("
            " SELECT min(action) FROM audit_auditevent"
            " UNION ALL SELECT (SELECT min(e.action) FROM audit_auditevent AS e"
            "  WHERE e.action > a.action) FROM actions AS a WHERE a.action IS NOT NULL)"
            " SELECT action FROM actions WHERE action IS NOT NULL"
        )
        # str.startswith is what LIKE 'prefix%' with the prefix escaped means.
        return [action for (action,) in cursor.fetchall() if action.startswith(prefix)]


@dataclass(frozen=True)
class LedgerStatus:
    tree_size: int
    last_sealed_at: datetime.datetime | None
    last_signed_at: datetime.datetime | None
    oldest_unsealed_at: datetime.datetime | None
    unsealed: int
    last_verification: AuditVerification | None
    alert_after_seconds: int

    @property
    def behind(self) -> bool:
        if self.oldest_unsealed_at is None:
            return False
        age = (timezone.now() - self.oldest_unsealed_at).total_seconds()
        return age > self.alert_after_seconds


def ledger_status() -> LedgerStatus:
    last = AuditCheckpoint.objects.order_by("-id").first()
    signed = AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first()
    with connection.cursor() as cursor:
        # Only events at or above the last horizon can be unsealed: one short index range.
        cursor.execute(
            "SELECT min(e.occurred_at), count(*) FROM audit_auditevent AS e"
            " WHERE e.txid >= %s::text::xid8"
            " AND NOT EXISTS (SELECT 1 FROM audit_auditseal AS s WHERE s.event_id = e.id)",
            [last.sealed_below if last else 0],
        )
        oldest, unsealed = cursor.fetchone()
    return LedgerStatus(
        tree_size=last.tree_size if last else 0,
        last_sealed_at=last.created_at if last else None,
        last_signed_at=signed.created_at if signed else None,
        oldest_unsealed_at=oldest,
        unsealed=unsealed,
        last_verification=AuditVerification.objects.order_by("-ran_at", "-id").first(),
        alert_after_seconds=conf.seal_alert_seconds(),
    )

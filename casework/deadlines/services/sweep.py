"""The reminder sweep (every minute, on the beat): overdue clocks marked missed and escalated,
due reminders claimed once each, and the claims handed to workers to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from casework.audit.services import audit_record

from .. import tasks
from ..models import Deadline, DeadlineReminder, ReminderSchedule

# One sweep claims at most this many reminders; the rest wait for the next beat. It bounds the
# transaction, not the work: the schedule runs every minute.
SWEEP_BATCH = 100_000
SEND_CHUNK = 500
# Reminders claimed but not e-mailed after this long are sent again (the worker died).
RESEND_AFTER = timedelta(minutes=10)
# A reminder whose sending keeps failing is tried this often, then left to the administrators
# (who were told at the first failure).
MAX_SEND_ATTEMPTS = 5
_SWEEP_LOCK = 0x0DEAD11E
_DEADLINES = connection.ops.quote_name(Deadline._meta.db_table)
_REMINDERS = connection.ops.quote_name(DeadlineReminder._meta.db_table)
_SCHEDULE = connection.ops.quote_name(ReminderSchedule._meta.db_table)


@dataclass
class SweepResult:
    """What one sweep did: deadlines reminded (``claimed`` counts their offsets, several when a
    clock started late), missed and escalated, re-sent; ``skipped`` when another sweep held the
    lock."""

    reminders: int = 0
    claimed: int = 0
    missed: int = 0
    escalations: int = 0
    resent: int = 0
    skipped: bool = False
    reminder_ids: list[int] = field(default_factory=list, repr=False)


_MARK_MISSED = f"""
WITH overdue AS (
    UPDATE {_DEADLINES}
       SET state = 'missed', missed_at = %(now)s, updated_at = %(now)s
     WHERE state = 'open' AND due_at <= %(now)s
 RETURNING id
),
unscheduled AS (
    DELETE FROM {_SCHEDULE} AS s USING overdue WHERE s.deadline_id = overdue.id
)
INSERT INTO {_REMINDERS}
       (deadline_id, kind, offset_seconds, message_offset_seconds, created_at)
SELECT id, 'escalation', 0, 0, %(now)s FROM overdue
ON CONFLICT (deadline_id, kind, offset_seconds) DO NOTHING
RETURNING id, deadline_id
"""

# The sweep's SQL holds the rules of ``casework.deadlines.schedule`` for many clocks at once:
# missed is ``is_missed``, the offsets claimed are ``offsets_due`` and the clock's next reminder
# is ``next_reminder_after`` (``tests/deadlines/test_sql_agrees.py`` compares them). The claim
# moves the clock's ``ReminderSchedule`` row (or deletes it after the last reminder), never the
# clock's own row: a narrow row with two indexes, not a wide one with seventeen (issue 26).
_CLAIM_REMINDERS = f"""
WITH due AS (
    SELECT d.id, d.due_at, d.reminder_offsets
      FROM {_SCHEDULE} AS s
      JOIN {_DEADLINES} AS d ON d.id = s.deadline_id
     WHERE s.next_reminder_at <= %(now)s AND d.state = 'open' AND d.due_at > %(now)s
     ORDER BY s.next_reminder_at
     LIMIT %(limit)s
       FOR UPDATE OF s, d SKIP LOCKED
),
next AS (
    SELECT due.id, (
           SELECT min(due.due_at - make_interval(secs => o.seconds))
             FROM unnest(due.reminder_offsets) AS o(seconds)
            WHERE due.due_at - make_interval(secs => o.seconds) > %(now)s
           ) AS at
      FROM due
),
-- ``s.next_reminder_at <= now`` again: the rows to move are among those the index finds due,
-- which keeps the planner from hashing the whole schedule to find them.
advanced AS (
    UPDATE {_SCHEDULE} AS s SET next_reminder_at = next.at
      FROM next
     WHERE s.deadline_id = next.id AND next.at IS NOT NULL AND s.next_reminder_at <= %(now)s
),
finished AS (
    DELETE FROM {_SCHEDULE} AS s USING next
     WHERE s.deadline_id = next.id AND next.at IS NULL AND s.next_reminder_at <= %(now)s
)
INSERT INTO {_REMINDERS}
       (deadline_id, kind, offset_seconds, message_offset_seconds, created_at)
-- Every offset now due and never claimed before; the nearest of them speaks for the claim, so
-- the claim, not the sending tasks' chunks, decides that it is one message.
SELECT due.id, 'reminder', o.seconds, min(o.seconds) OVER (PARTITION BY due.id), %(now)s
  FROM due CROSS JOIN LATERAL unnest(due.reminder_offsets) AS o(seconds)
 WHERE due.due_at - make_interval(secs => o.seconds) <= %(now)s
   AND NOT EXISTS (SELECT 1 FROM {_REMINDERS} AS r
                    WHERE r.deadline_id = due.id AND r.kind = 'reminder'
                      AND r.offset_seconds = o.seconds)
ON CONFLICT (deadline_id, kind, offset_seconds) DO NOTHING
RETURNING id, deadline_id
"""

_UNSENT = f"""
SELECT id FROM {_REMINDERS}
 WHERE notified_at IS NULL AND offset_seconds = message_offset_seconds AND created_at <= %(stale)s
   AND attempts < %(attempts)s AND coalesce(failed_at, created_at) <= %(stale)s
 ORDER BY created_at
 LIMIT %(limit)s
"""


@transaction.atomic
def deadlines_sweep(*, now: datetime | None = None) -> SweepResult:
    """Mark overdue clocks missed and escalate them; claim the reminders that are due.

    Set-based: three statements over indexes (open clocks by due time, the reminder schedule
    by time), whatever the number of open clocks. Claiming is an ``INSERT … ON CONFLICT
    DO NOTHING`` into ``DeadlineReminder`` (unique per deadline, kind and offset), so a retry, a
    second worker or a restarted scheduler claims nothing twice; an advisory lock makes a second
    concurrent sweep return at once. Offsets of one clock claimed together are one message (the
    nearest speaks), which the claim records on each row. Sending happens after commit, in
    chunks, on the workers; a chunk boundary may fall inside a message without doubling it.
    """
    now = now or timezone.now()
    result = SweepResult()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SWEEP_LOCK])
        if not cursor.fetchone()[0]:
            result.skipped = True
            return result
        cursor.execute(_MARK_MISSED, {"now": now})
        escalated = cursor.fetchall()
        cursor.execute(_CLAIM_REMINDERS, {"now": now, "limit": SWEEP_BATCH})
        claimed_rows = cursor.fetchall()
        claimed = [row[0] for row in claimed_rows]
        cursor.execute(
            _UNSENT,
            {"stale": now - RESEND_AFTER, "limit": SWEEP_BATCH, "attempts": MAX_SEND_ATTEMPTS},
        )
        stale = [row[0] for row in cursor.fetchall()]
    result.missed = result.escalations = len(escalated)
    result.reminders = len({row[1] for row in claimed_rows})
    result.claimed = len(claimed)
    result.resent = len(stale)
    result.reminder_ids = [row[0] for row in escalated] + claimed + stale
    if escalated:
        ids = [row[1] for row in escalated]
        audit_record(
            actor=None,
            action="deadline.miss",
            object_type=Deadline._meta.label_lower,
            details={"count": len(ids), "deadline_ids": ids[:1000], "at": now.isoformat()},
        )
    if result.reminder_ids:
        chunks = [
            result.reminder_ids[i : i + SEND_CHUNK]
            for i in range(0, len(result.reminder_ids), SEND_CHUNK)
        ]
        transaction.on_commit(lambda: _dispatch(chunks))
    return result


def _dispatch(chunks: list[list[int]]) -> None:
    for chunk in chunks:
        tasks.send_deadline_reminders.delay(chunk)

"""Triage clocks for a bulk import of referrals, in one statement."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from casework.accounts.models import Unit
from casework.audit.services import audit_record
from casework.cases.choices import Priority
from casework.referrals.models import Referral

from ..choices import DeadlineKind, DeadlineState
from ..models import Deadline, ReminderSchedule
from ..offsets import parse_offsets
from ..rules import rule_for
from ..schedule import offset_seconds
from ._common import DEFAULT_REMINDERS, person_or_none

_quote = connection.ops.quote_name

# The clock of each referral as ``deadline_start`` starts it from ``ReferralReceived``: due at
# the referral's own ``triage_due_at`` (the one stored triage due time), started at receipt, in
# the unit's zone, with its priority's rule and reminders; the first reminder (a
# ``ReminderSchedule`` row) as ``schedule.first_reminder_at`` computes it
# (``tests/deadlines/test_sql_agrees.py``).
_START_TRIAGE_BULK = f"""
WITH started AS (
INSERT INTO {_quote(Deadline._meta.db_table)} (
    created_at, updated_at, reference, unit_id, case_id, referral_id, source_type, source_id,
    kind, rule_id, note, jurisdiction, time_zone, starts_at, due_at, owner_id, state,
    reminder_offsets, extension_count, extended_to_id, closed_at, closed_by_id, missed_at,
    reason, created_by_id)
SELECT %(now)s, %(now)s, gen_random_uuid(), r.unit_id, NULL, r.id, %(source)s, r.id::text,
       %(kind)s, p.rule_id, '', '', coalesce(nullif(u.time_zone, ''), %(zone)s),
       least(r.received_at, r.triage_due_at), r.triage_due_at, NULL, %(open)s, p.offsets,
       0, NULL, NULL, NULL, NULL, '', %(created_by)s
  FROM {_quote(Referral._meta.db_table)} AS r
  JOIN {_quote(Unit._meta.db_table)} AS u ON u.id = r.unit_id
  JOIN (SELECT * FROM jsonb_to_recordset(%(rules)s::jsonb)
                  AS x(priority text, rule_id bigint, offsets integer[])) AS p
    ON p.priority = r.priority
 WHERE r.id = ANY(%(ids)s) AND r.case_id IS NULL AND r.triage_due_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM {_quote(Deadline._meta.db_table)} AS d
                    WHERE d.referral_id = r.id AND d.kind = %(kind)s)
 ORDER BY r.id
RETURNING id, referral_id, due_at, reminder_offsets
),
scheduled AS (
INSERT INTO {_quote(ReminderSchedule._meta.db_table)} (deadline_id, next_reminder_at)
SELECT id, first_reminder_at
  FROM (SELECT c.id, coalesce(
                 (SELECT min(c.due_at - make_interval(secs => o))
                    FROM unnest(c.reminder_offsets) AS o
                   WHERE c.due_at - make_interval(secs => o) > %(now)s),
                 CASE WHEN c.due_at > %(now)s AND cardinality(c.reminder_offsets) > 0
                      THEN %(now)s::timestamptz END) AS first_reminder_at
          FROM started AS c) AS f
 WHERE first_reminder_at IS NOT NULL
 ORDER BY id
)
SELECT referral_id FROM started
"""


def _triage_rules() -> list[dict]:
    """Each priority's triage rule and reminder offsets, as ``deadline_start`` would find them."""
    rules = []
    for priority in Priority.values:
        rule = rule_for(kind=DeadlineKind.REFERRAL_TRIAGE, priority=priority)
        offsets = rule.offsets if rule else parse_offsets(DEFAULT_REMINDERS)
        rules.append(
            {
                "priority": priority,
                "rule_id": rule.pk if rule else None,
                "offsets": offset_seconds(offsets),
            }
        )
    return rules


@transaction.atomic
def deadlines_start_triage_bulk(*, actor, referral_ids: list[int]) -> int:
    """Triage clocks for a bulk import: one INSERT … SELECT, not a service call per referral.

    Each referral's ``triage_due_at`` (set by the referrals app from its priority) is the due
    time, and its priority's rule gives the reminders, as ``deadline_start`` would; referrals
    already in a case, already with a triage clock, or with no due time are skipped. Returns
    how many clocks were started; one audit event covers them all (and the database's change
    capture records each row).
    """
    if not referral_ids:
        return 0
    actor_person = person_or_none(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            _START_TRIAGE_BULK,
            {
                "now": timezone.now(),
                "kind": DeadlineKind.REFERRAL_TRIAGE,
                "source": "referral",
                "zone": settings.TIME_ZONE,
                "open": DeadlineState.OPEN,
                "rules": json.dumps(_triage_rules()),
                "ids": list(referral_ids),
                "created_by": actor_person.pk if actor_person is not None else None,
            },
        )
        started = [row[0] for row in cursor.fetchall()]
    if started:
        audit_record(
            actor=actor,
            action="deadline.start_bulk",
            object_type=Deadline._meta.label_lower,
            details={
                "kind": DeadlineKind.REFERRAL_TRIAGE,
                "count": len(started),
                "first_referral_id": min(started),
                "last_referral_id": max(started),
            },
        )
    return len(started)

"""The bulk intake (``referrals_receive_bulk``, behind ``import_referrals``) stores what
``referral_receive`` stores, row for row: the referrals, their identifiers, their triage clocks
(the clock's reminders are reckoned in SQL for the bulk path and in Python for the single one),
duplicates, deconfliction match counts, and the ledger's captured rows."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from casework.audit.models import AuditEvent
from casework.audit.verification import verify_ledger
from casework.cases.services import case_identifier_add
from casework.core import events
from casework.deadlines import handlers as deadline_handlers
from casework.deadlines.models import Deadline
from casework.referrals.importing import import_referrals_file
from casework.referrals.models import DuplicateArrival, Referral, ReferralIdentifier
from casework.referrals.services import referral_receive
from casework.referrals.synthetic import synthetic_row
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Received from four days ago to now: overdue clocks, clocks whose reminders are all past
# (a catch-up reminder now), and clocks with reminders still ahead, over the four priorities.
ROWS = [
    synthetic_row(n, base=NOW - timedelta(days=4), spacing=timedelta(hours=4)) for n in range(1, 25)
] + [
    # P2 (72 hours, reminders 24 and 4 hours ahead) received 70 hours ago: a catch-up now.
    {
        **synthetic_row(
            25, base=NOW - timedelta(hours=70, minutes=25), spacing=timedelta(minutes=1)
        ),
        "priority": "P2",
    }
]


@pytest.fixture
def with_triage_clocks():
    """The deadlines app's handlers, which the referrals tests set aside, for these tests."""
    events.subscribe(events.ReferralReceived)(deadline_handlers.start_triage_clock)
    events.subscribe(events.ReferralsReceivedBulk)(deadline_handlers.start_triage_clocks_for_import)


class _Undo(Exception):
    pass


def _stored(unit) -> dict:
    referrals = {}
    skip = {"id", "created_at", "updated_at", "channel"}
    for referral in Referral.objects.filter(unit=unit).order_by("source_reference"):
        values = {
            f.attname: getattr(referral, f.attname)
            for f in Referral._meta.concrete_fields
            if f.attname not in skip
        }
        values["identifiers"] = sorted(
            (
                i.kind,
                i.raw,
                i.normal,
                i.service,
                i.device_kind,
                i.ip_event,
                i.observed_at,
                i.port,
                i.match_count,
            )
            for i in ReferralIdentifier.objects.filter(referral=referral)
        )
        values["clocks"] = [
            (
                d.kind,
                d.rule_id,
                d.time_zone,
                d.starts_at,
                d.due_at,
                d.owner_id,
                d.state,
                d.reminder_offsets,
                d.next_reminder_at,
                d.source_type,
                d.source_id == str(referral.pk),
            )
            for d in Deadline.objects.filter(referral=referral).order_by("id")
        ]
        values["arrivals"] = sorted(
            (a.channel != "", a.received_at, a.recorded_by_id)
            for a in DuplicateArrival.objects.filter(referral=referral)
        )
        referrals[referral.source_reference] = values
    captured = Counter(
        AuditEvent.objects.filter(source="database", action="record.create").values_list(
            "object_type", flat=True
        )
    )
    return {"referrals": referrals, "captured": captured}


def _both_ways(tmp_path, unit, actor, rows):
    """What the import stores, and what ``referral_receive`` row by row stores, on the same
    data at the same instant (each undone before the other runs)."""
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    results = []
    for way in ("bulk", "one by one"):
        try:
            with time_machine.travel(NOW, tick=False), transaction.atomic():
                before = set(AuditEvent.objects.values_list("id", flat=True))
                if way == "bulk":
                    result = import_referrals_file(path, unit=unit, actor=actor)
                    assert result.ok, result.error_lines()
                else:
                    for row in rows:
                        referral_receive(actor=actor, unit=unit, data=row, channel="import")
                stored = _stored(unit)
                stored["captured"] = Counter(
                    AuditEvent.objects.filter(source="database", action="record.create")
                    .exclude(id__in=before)
                    .values_list("object_type", flat=True)
                )
                results.append(stored)
                raise _Undo
        except _Undo:
            pass
    return results


def test_the_import_stores_what_receiving_each_row_stores(
    tmp_path, north, investigator, with_triage_clocks
):
    case = make_case(lead=investigator)
    case_identifier_add(actor=investigator, case=case, kind="email", raw="user_3@example.invalid")
    make_referral(
        actor=investigator,
        source_agency=ROWS[5]["source_agency"],
        source_reference=ROWS[5]["source_reference"],
    )
    rows = [*ROWS, ROWS[7]]  # and a row repeated in the file
    bulk, single = _both_ways(tmp_path, north, investigator, rows)
    assert bulk["referrals"].keys() == single["referrals"].keys()
    for reference, stored in bulk["referrals"].items():
        for key, value in stored.items():
            assert value == single["referrals"][reference][key], (reference, key)
    assert bulk["captured"] == single["captured"]
    assert bulk["captured"]["referrals.referral"] == len(ROWS) - 1
    assert bulk["captured"]["deadlines.deadline"] == len(ROWS) - 1
    clocks = [c for r in bulk["referrals"].values() for c in r["clocks"]]
    reminders = {c[8] for c in clocks}
    assert NOW in reminders and any(r is not None and r > NOW for r in reminders)
    matched = bulk["referrals"][ROWS[2]["source_reference"]]["identifiers"]
    assert [i[-1] for i in matched if i[0] == "email"] == [1]


def test_the_ledger_verifies_after_an_import_and_holds_every_row(
    tmp_path, north, investigator, with_triage_clocks
):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS[:6]), encoding="utf-8")
    with time_machine.travel(NOW, tick=False):
        result = import_referrals_file(path, unit=north, actor=investigator)
    assert result.ok
    captured = Counter(
        AuditEvent.objects.filter(source="database").values_list("object_type", flat=True)
    )
    assert captured["referrals.referral"] == 6
    assert captured["referrals.referralidentifier"] == 18
    assert captured["deadlines.deadline"] == 6
    from casework.audit.sealing import seal_all

    seal_all(rounds=100)
    assert verify_ledger().ok

"""One source of truth for triage clocks: the "Referral triage" rules an administrator edits.

Web, API and import take a referral's ``triage_due_at`` from the rule of its priority, and the
deadline started for it has the same due time (issue 23, item 16).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.core import events
from casework.deadlines import handlers
from casework.deadlines.models import Deadline, DeadlineRule
from casework.referrals import services
from casework.referrals.importing import import_referrals_file
from casework.referrals.models import Referral
from casework.referrals.synthetic import synthetic_row
from tests.core.test_configuration import assert_one_clear_line, manage
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _rule(priority: str) -> DeadlineRule:
    return DeadlineRule.objects.get(kind="referral_triage", priority=priority, jurisdiction="")


def _shorten_p4_to_five_hours() -> None:
    rule = _rule("P4")
    rule.duration_days, rule.duration_hours = 0, 5
    rule.save()


def _import(tmp_path, unit, rows):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = import_referrals_file(path, unit=unit, actor=None)
    assert result.ok, result.error_lines()
    return Referral.objects.filter(pk__in=result.referral_ids).order_by("pk")


def _row(n: int, priority: str) -> dict:
    return {**synthetic_row(n), "priority": priority, "received_at": RECEIVED.isoformat()}


@pytest.mark.parametrize(
    ("priority", "due"),
    [
        ("P1", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),  # 24 hours
        ("P2", datetime(2026, 3, 4, 9, 0, tzinfo=UTC)),  # 72 hours
        ("P3", datetime(2026, 3, 8, 23, 59, 59, tzinfo=UTC)),  # 7 days, end of day (UTC unit)
        ("P4", datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)),  # 30 days, end of day
    ],
)
def test_the_shipped_rules_set_the_clock_for_the_form_the_api_and_the_import(
    investigator, tmp_path, priority, due
):
    recorded = make_referral(actor=investigator, priority=priority, received_at=RECEIVED)
    (imported,) = _import(tmp_path, investigator.unit, [_row(1, priority)])
    assert recorded.triage_due_at == imported.triage_due_at == due


def test_editing_the_rule_changes_the_clock_a_new_referral_gets(investigator):
    before = make_referral(actor=investigator, priority="P4", received_at=RECEIVED)
    _shorten_p4_to_five_hours()
    after = make_referral(actor=investigator, priority="P4", received_at=RECEIVED)
    assert before.triage_due_at == datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)
    assert after.triage_due_at == RECEIVED + timedelta(hours=5)
    before.refresh_from_db()
    assert before.triage_due_at == datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)  # kept


def test_editing_the_rule_changes_the_clock_an_imported_referral_gets(tmp_path, north):
    _shorten_p4_to_five_hours()
    (imported,) = _import(tmp_path, north, [_row(1, "P4")])
    assert imported.triage_due_at == RECEIVED + timedelta(hours=5)


def test_the_imported_clock_and_its_deadline_agree(tmp_path, north):
    events.subscribe(events.ReferralsReceivedBulk)(handlers.start_triage_clocks_for_import)
    _shorten_p4_to_five_hours()
    imported = list(_import(tmp_path, north, [_row(1, "P4"), _row(2, "P1")]))
    deadlines = {d.referral_id: d for d in Deadline.objects.filter(kind="referral_triage")}
    for referral in imported:
        assert deadlines[referral.pk].due_at == referral.triage_due_at
        assert deadlines[referral.pk].rule == _rule(referral.priority)


def test_reprioritising_takes_the_new_priority_s_rule(investigator):
    referral = make_referral(actor=investigator, priority="P4", received_at=RECEIVED)
    rule = _rule("P1")
    rule.duration_hours = 2
    rule.save()
    referral = services.referral_prioritise(actor=investigator, referral=referral, priority="P1")
    assert referral.triage_due_at == RECEIVED + timedelta(hours=2)


def test_a_switched_off_rule_starts_no_clock(investigator, tmp_path):
    DeadlineRule.objects.filter(kind="referral_triage", priority="P4").update(active=False)
    recorded = make_referral(actor=investigator, priority="P4", received_at=RECEIVED)
    (imported,) = _import(tmp_path, investigator.unit, [_row(1, "P4")])
    assert recorded.triage_due_at is None and imported.triage_due_at is None


def test_the_import_reads_the_rules_once_not_per_row(tmp_path, north):
    def rule_queries(count: int, first: int) -> int:
        rows = [_row(n, ("P1", "P2", "P3", "P4")[n % 4]) for n in range(first, first + count)]
        with CaptureQueriesContext(connection) as queries:
            _import(tmp_path, north, rows)
        return sum("deadlines_deadlinerule" in q["sql"] for q in queries.captured_queries)

    small, large = rule_queries(4, 1), rule_queries(200, 100)
    assert small == large <= 4


def test_the_retired_triage_variables_stop_casework_with_a_clear_sentence():
    result = manage("check", CASEWORK_TRIAGE_P1_HOURS="12")
    assert_one_clear_line(result, "CASEWORK_TRIAGE_P1_HOURS is no longer read")

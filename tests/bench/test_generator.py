"""The generator keeps the invariants the application relies on (tiny scale, test database)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import connection

from bench import database
from bench.generate import Context, generate
from bench.loader import ModelCopy, copy_text
from bench.scales import SCALES
from casework.audit.models import AuditEvent
from casework.cases.models import Case, CaseAssignment, CaseNumberSequence, CaseUserObjectPermission
from casework.cases.selectors import VIEW_PERMISSION, cases_visible_to
from casework.referrals.choices import ReferralStatus
from casework.referrals.models import Referral

# A generator bug must fail the suite, never hang it.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]

TINY = SCALES["tiny"]


@pytest.fixture
def generated(settings, tmp_path):
    # As `python -m bench` loads: triggers off, the generator writes the ledger's bytes itself.
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")
    database.tune_session()
    try:
        yield generate(TINY, say=lambda line: None)
    finally:
        database.restore_session()


def test_it_numbers_cases_without_gaps_and_grants_exactly_lead_and_assignees(generated):
    seen = defaultdict(list)
    for case in Case.objects.select_related("unit"):
        assert case.number == f"{case.unit.case_prefix}-{case.year}-{case.sequence:06d}"
        assert case.opened_at.year == case.year
        seen[(case.unit_id, case.year)].append(case.sequence)
    assert sum(len(numbers) for numbers in seen.values()) == TINY.cases
    last = {(s.unit_id, s.year): s.last_value for s in CaseNumberSequence.objects.all()}
    for key, numbers in seen.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
        assert last[key] == len(numbers)

    grants = set(
        CaseUserObjectPermission.objects.filter(permission__codename=VIEW_PERMISSION).values_list(
            "user_id", "content_object_id"
        )
    )
    expected = set(Case.objects.values_list("lead_id", "id")) | set(
        CaseAssignment.objects.values_list("user_id", "case_id")
    )
    assert grants == expected
    investigator = generated.personas["investigator"]
    from casework.accounts.models import User

    user = User.objects.get(pk=investigator)
    mine = {case_id for user_id, case_id in expected if user_id == investigator}
    assert mine, "the benchmark investigator has cases to look at"
    assert set(cases_visible_to(user).values_list("id", flat=True)) == mine

    assert Referral.objects.count() == TINY.referrals
    accepted = Referral.objects.filter(status=ReferralStatus.ACCEPTED).select_related("case")
    assert accepted.exists()
    for referral in accepted:
        assert referral.case.unit_id == referral.unit_id
        assert referral.received_at <= referral.case.opened_at
    assert Referral.objects.filter(status__in=["new", "in_triage"], case__isnull=True).exists()
    for entry in generated.loaded:
        assert entry.get("status") in (None, "not-built")
        if entry.get("status") == "not-built":
            assert entry.get("missing") or entry.get("note")


def test_it_writes_a_sealed_audit_trail_with_the_ledgers_own_bytes(generated):
    assert AuditEvent.objects.count() >= TINY.audit_events
    created = set(AuditEvent.objects.filter(action="case.create").values_list("case_id", flat=True))
    assert created == set(Case.objects.values_list("id", flat=True))
    times = list(AuditEvent.objects.order_by("id").values_list("occurred_at", flat=True))
    assert times == sorted(times)

    with connection.cursor() as cursor:
        # The bytes the generator wrote are exactly those the ledger's trigger would have.
        cursor.execute(
            "SELECT count(*) FROM audit_auditevent e WHERE e.canonical IS DISTINCT FROM "
            "convert_to(audit_jcs(audit_event_document(e)), 'UTF8')"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM audit_auditseal")
        assert cursor.fetchone()[0] == AuditEvent.objects.count()


def test_copy_text_escapes_what_copy_would_misread():
    assert copy_text("a\tb\\c\nd") == "a\\tb\\\\c\\nd"
    assert copy_text(None) == "\\N"
    assert copy_text(True) == "t"
    assert copy_text({"b": 1, "a": [None]}) == '{"a":[null],"b":1}'


def test_a_required_field_the_generator_does_not_fill_is_named():
    from bench.loader import GeneratorOutOfDate

    with pytest.raises(GeneratorOutOfDate, match=r"cases\.Case\.number"):
        ModelCopy(Case, ("id", "unit_id"))


def test_two_years_doubles_the_data_and_its_history_but_not_the_measurements():
    two = TINY.over_years(2)
    assert (two.referrals, two.audit_events, two.deadlines) == (
        2 * TINY.referrals,
        2 * TINY.audit_events,
        2 * TINY.deadlines,
    )
    assert (two.samples, two.import_referrals) == (TINY.samples, TINY.import_referrals)
    one_span = Context(scale=TINY, rng=None).now - Context(scale=TINY, rng=None).start
    two_span = Context(scale=two, rng=None).now - Context(scale=two, rng=None).start
    assert two_span == 2 * one_span


def test_two_years_keep_one_years_open_clocks_and_add_closed_history(settings, tmp_path):
    # A unit's open clocks are its current caseload: a second year of history adds closed clocks,
    # not a second caseload, or the two-year sweep would remind twice as many clocks as it should.
    from bench.generate import deadlines as deadline_generator
    from casework.deadlines.models import Deadline

    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")
    two = TINY.over_years(2)
    database.tune_session()
    try:
        result = generate(two, say=lambda line: None)
    finally:
        database.restore_session()
    assert Deadline.objects.count() == two.deadlines
    open_clocks = Deadline.objects.filter(state="open").count()
    one_years_open = deadline_generator.OPEN_SHARE * TINY.deadlines
    assert 0.8 * one_years_open <= open_clocks <= 1.2 * one_years_open
    assert Deadline.objects.exclude(state="open").count() >= TINY.deadlines
    assert 0 < result.deadlines_due <= 3 * deadline_generator.DUE_SHARE * TINY.deadlines

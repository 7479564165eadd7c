"""Starting clocks: due times from rules, and the refusals that write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError
from casework.deadlines import services
from casework.deadlines.models import Deadline, DeadlineRule
from tests.deadlines.factories import close_case

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_it_computes_a_2703f_preservation_as_sent_plus_90_days(investigator, north_case):
    deadline = services.deadline_start(
        actor=investigator,
        kind="preservation_us_2703f",
        case=north_case,
        source_type="partners.request",
        source_id="42",
        time_zone="America/New_York",
        jurisdiction="US",
    )
    # 1 June + 90 days = 30 August, end of day in New York (EDT, UTC-4).
    assert deadline.due_at == datetime(2026, 8, 31, 3, 59, 59, tzinfo=UTC)
    assert deadline.rule.extensions_allowed == 1
    assert deadline.owner == investigator
    # The first reminder is 14 days before expiry (the renewal reminder).
    assert deadline.next_reminder_at == deadline.due_at - timedelta(days=14)
    assert AuditEvent.objects.filter(action="deadline.start", object_id=str(deadline.pk)).exists()


@time_machine.travel(NOW, tick=False)
def test_it_triages_a_p1_referral_within_24_hours(investigator, north_referral):
    triage = Deadline.objects.get(referral=north_referral, kind="referral_triage")
    assert triage.due_at == north_referral.triage_due_at
    assert triage.source_type == "referral"


def test_the_p1_rule_is_24_hours_when_the_referral_sets_no_time(investigator, north_referral):
    rule = DeadlineRule.objects.get(kind="referral_triage", priority="P1")
    assert rule.duration_hours == 24
    north_referral.triage_due_at = None
    deadline = services.deadline_start(
        actor=investigator,
        kind="referral_triage",
        referral=north_referral,
        starts_at=north_referral.received_at,
    )
    assert deadline.due_at == north_referral.received_at + timedelta(hours=24)


def test_it_refuses_a_closed_case_and_writes_nothing(investigator, north_case):
    close_case(north_case)
    before = Deadline.objects.count()
    with pytest.raises(DomainError) as error:
        services.deadline_start(
            actor=investigator, kind="court_date", case=north_case, due_at=NOW + timedelta(days=3)
        )
    assert error.value.errors[0].field == "case"
    assert "is closed" in error.value.message
    assert Deadline.objects.count() == before


def test_it_refuses_a_due_time_before_the_start(investigator, north_case):
    before = Deadline.objects.count()
    with pytest.raises(DomainError) as error:
        services.deadline_start(
            actor=investigator,
            kind="court_date",
            case=north_case,
            starts_at=NOW,
            due_at=NOW - timedelta(hours=1),
        )
    assert error.value.errors[0].field == "due_at"
    assert "before the start" in error.value.message
    assert Deadline.objects.count() == before


def test_it_refuses_an_unknown_time_zone(investigator, north_case):
    before = Deadline.objects.count()
    with pytest.raises(DomainError) as error:
        services.deadline_start(
            actor=investigator, kind="case_review", case=north_case, time_zone="Mars/Olympus"
        )
    assert error.value.errors[0].field == "time_zone"
    assert "Mars/Olympus" in error.value.message
    assert Deadline.objects.count() == before


def test_a_court_date_needs_its_due_time(investigator, north_case):
    with pytest.raises(DomainError) as error:
        services.deadline_start(actor=investigator, kind="court_date", case=north_case)
    assert error.value.errors[0].field == "due_at"


def test_an_unknown_kind_is_refused(investigator, north_case):
    with pytest.raises(DomainError) as error:
        services.deadline_start(actor=investigator, kind="lunch", case=north_case)
    assert error.value.errors[0].field == "kind"


def test_opening_a_case_starts_its_30_day_review(north_case):
    review = Deadline.objects.get(case=north_case, kind="case_review")
    assert review.due_at.date() >= (north_case.opened_at + timedelta(days=30)).date()
    assert review.rule.repeats


def test_every_shipped_rule_cites_its_source():
    rules = list(DeadlineRule.objects.all())
    kinds = {rule.kind for rule in rules}
    assert len(kinds) == 17  # every kind has a shipped rule (issue 22 added one)
    for rule in rules:
        assert rule.citation.strip()
        rule.full_clean()


def test_a_rule_with_an_unknown_holiday_calendar_is_refused():
    from django.core.exceptions import ValidationError

    rule = DeadlineRule.objects.get(kind="takedown_confirmation")
    rule.holiday_country = "XX"
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "holiday_country" in error.value.message_dict
    rule.holiday_country = "US-NY"
    rule.full_clean()


def test_a_switched_off_review_rule_does_not_block_opening_a_case(investigator):
    from tests.cases.factories import make_case

    DeadlineRule.objects.filter(kind="case_review").update(active=False)
    case = make_case(lead=investigator, title="Synthetic case 0007")
    assert not Deadline.objects.filter(case=case).exists()


def test_a_budapest_preservation_finds_its_rule_however_the_scope_is_written(
    investigator, north_case
):
    for scope in ("CoE", "COE", "coe"):
        deadline = services.deadline_start(
            actor=investigator, kind="budapest_preservation", case=north_case, jurisdiction=scope
        )
        assert deadline.rule.jurisdiction == "CoE"


def test_the_owners_zone_is_the_default_and_a_bad_stored_zone_is_skipped(investigator, north_case):
    investigator.time_zone = "Europe/Berlin"
    deadline = services.deadline_start(actor=investigator, kind="case_review", case=north_case)
    assert deadline.time_zone == "Europe/Berlin"
    investigator.time_zone = "Not/AZone"
    deadline = services.deadline_start(actor=investigator, kind="case_review", case=north_case)
    assert deadline.time_zone == north_case.unit.time_zone

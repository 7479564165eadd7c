"""Meeting, waiving, extending, renewing; and the events that start and stop clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casework.core.errors import DomainError
from casework.deadlines import services
from casework.deadlines.models import Deadline
from tests.deadlines.factories import close_case

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def preservation(investigator, north_case):
    with time_machine.travel(NOW, tick=False):
        return services.deadline_start(
            actor=investigator,
            kind="preservation_us_2703f",
            case=north_case,
            source_type="partners.request",
            source_id="7",
            time_zone="America/New_York",
            jurisdiction="US",
        )


def test_a_waiver_without_reason_is_refused_and_changes_nothing(supervisor, preservation):
    with pytest.raises(DomainError) as error:
        services.deadline_waive(actor=supervisor, deadline=preservation, reason="  ")
    assert error.value.errors[0].field == "reason"
    preservation.refresh_from_db()
    assert preservation.state == "open"


def test_a_waiver_keeps_its_reason(supervisor, preservation):
    services.deadline_waive(actor=supervisor, deadline=preservation, reason="Provider closed")
    preservation.refresh_from_db()
    assert (preservation.state, preservation.reason) == ("waived", "Provider closed")
    assert preservation.next_reminder_at is None


def test_a_2703f_preservation_renews_once_for_90_more_days(investigator, preservation):
    renewal = services.deadline_extend(
        actor=investigator, deadline=preservation, reason="Legal process being prepared"
    )
    preservation.refresh_from_db()
    assert preservation.state == "extended"
    assert preservation.extended_to == renewal
    assert renewal.kind == "preservation_renewal"
    assert renewal.due_at.date() == (preservation.due_at + timedelta(days=90)).date()
    with pytest.raises(DomainError) as error:
        services.deadline_extend(actor=investigator, deadline=renewal, reason="Again")
    assert "no extension" in error.value.message
    assert "2703(f)" in error.value.message
    renewal.refresh_from_db()
    assert renewal.state == "open"


def test_an_eu_preservation_order_extends_by_30_days_once(investigator, north_case):
    order = services.deadline_start(
        actor=investigator, kind="eu_preservation_order", case=north_case, jurisdiction="DE"
    )
    longer = services.deadline_extend(actor=investigator, deadline=order, reason="Awaiting EPOC")
    assert longer.kind == "eu_preservation_order"
    assert (longer.due_at - order.due_at).days == 30
    with pytest.raises(DomainError):
        services.deadline_extend(actor=investigator, deadline=longer, reason="Again")


def test_an_extension_must_be_later(investigator, preservation):
    with pytest.raises(DomainError) as error:
        services.deadline_extend(
            actor=investigator,
            deadline=preservation,
            new_due_at=preservation.due_at - timedelta(days=1),
            reason="Earlier",
        )
    assert error.value.errors[0].field == "new_due_at"


def test_a_met_deadline_cannot_be_met_again(investigator, preservation):
    services.deadline_meet(actor=investigator, deadline=preservation)
    with pytest.raises(DomainError) as error:
        services.deadline_meet(actor=investigator, deadline=preservation)
    assert error.value.status == 409


def test_meeting_by_source_meets_only_that_sources_open_deadlines(
    investigator, north_case, preservation
):
    other = services.deadline_start(
        actor=investigator,
        kind="legal_process_response",
        case=north_case,
        source_type="partners.request",
        source_id="8",
    )
    met = services.deadlines_meet(actor=investigator, source_type="partners.request", source_id="7")
    assert met == 1
    preservation.refresh_from_db()
    other.refresh_from_db()
    assert (preservation.state, other.state) == ("met", "open")
    assert (
        services.deadlines_meet(actor=investigator, source_type="partners.request", source_id="7")
        == 0
    )


def test_meeting_a_case_review_starts_the_next_one(investigator, north_case):
    review = Deadline.objects.get(case=north_case, kind="case_review", state="open")
    with time_machine.travel(review.due_at - timedelta(days=2), tick=False):
        services.deadline_meet(actor=investigator, deadline=review)
        following = Deadline.objects.get(case=north_case, kind="case_review", state="open")
    # Met two days early: the next review is still 30 days after the one that was due.
    zone = ZoneInfo(review.time_zone)
    assert following.due_at.astimezone(zone).date() == (
        review.due_at.astimezone(zone).date() + timedelta(days=30)
    )


def test_triage_of_a_referral_meets_its_clock(investigator, north_referral):
    from casework.core import events

    triage = Deadline.objects.get(referral=north_referral, kind="referral_triage")
    events.publish(
        events.ReferralTriaged(referral=north_referral, actor=investigator, outcome="accepted")
    )
    triage.refresh_from_db()
    assert triage.state == "met"


def test_closing_a_case_waives_its_open_clocks_and_keeps_missed_ones(
    investigator, north_case, preservation
):
    Deadline.objects.filter(pk=preservation.pk).update(state="missed")
    close_case(north_case)
    states = dict(Deadline.objects.filter(case=north_case).values_list("kind", "state"))
    assert states["case_review"] == "waived"
    assert states["preservation_us_2703f"] == "missed"
    review = Deadline.objects.get(case=north_case, kind="case_review")
    assert "closed" in review.reason


def test_a_bulk_import_starts_one_triage_clock_per_referral(tmp_path, north, investigator):
    from casework.referrals.importing import import_referrals_file
    from casework.referrals.models import Referral
    from casework.referrals.synthetic import write_jsonl

    path = tmp_path / "in.jsonl"
    write_jsonl(path, 12)
    result = import_referrals_file(path, unit=north, actor=investigator, dry_run=False)
    assert result.ok, result.error_lines()
    clocks = Deadline.objects.filter(kind="referral_triage", referral__unit=north)
    assert clocks.count() == 12
    referral = Referral.objects.get(source_reference="SYN-0000001")
    assert clocks.get(referral=referral).due_at == referral.triage_due_at
    services.deadlines_start_triage_bulk(actor=investigator, referral_ids=result.referral_ids)
    assert clocks.count() == 12  # a repeated event adds nothing


def test_a_new_lead_takes_over_the_previous_lead_s_running_clocks(
    investigator, teammate, supervisor, north_case
):
    """Nobody is reminded about a case they no longer lead; others' clocks stay theirs."""
    from casework.audit.models import AuditEvent
    from casework.cases.services import case_change_lead
    from casework.core.models import Notification

    review = Deadline.objects.get(case=north_case, kind="case_review")
    assert review.owner == investigator
    theirs = services.deadline_start(
        actor=supervisor,
        kind="court_date",
        case=north_case,
        owner=supervisor,
        due_at=review.due_at,
    )
    met = services.deadline_start(
        actor=investigator,
        kind="legal_process_response",
        case=north_case,
        due_at=review.due_at,
    )
    services.deadline_meet(actor=investigator, deadline=met)

    case_change_lead(actor=supervisor, case=north_case, lead=teammate)

    review.refresh_from_db()
    theirs.refresh_from_db()
    met.refresh_from_db()
    assert (review.owner, theirs.owner, met.owner) == (teammate, supervisor, investigator)
    event = AuditEvent.objects.get(action="deadline.hand_over")
    assert event.changes == {"owner": ["inv.north", teammate.username]}
    assert event.details == {"deadline_ids": [review.pk]}
    notice = Notification.objects.get(recipient=teammate, kind="deadline.hand_over")
    assert north_case.number in notice.subject

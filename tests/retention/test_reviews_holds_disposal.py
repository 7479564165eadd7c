"""Review clocks, the three outcomes of a review, legal hold and two-person disposal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.accounts import service_accounts as sa
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.core.errors import DomainError
from casework.deadlines.acts import meeting_act
from casework.deadlines.choices import DeadlineKind, DeadlineState
from casework.deadlines.models import Deadline
from casework.privacy.models import DataKey
from casework.referrals import services as referrals
from casework.retention import services
from casework.retention.choices import DisposalStatus, ReviewStatus
from casework.retention.models import DisposalRequest, RetentionReview, RetentionRule, Tombstone
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

from .conftest import close_case

pytestmark = pytest.mark.django_db


def _review(case=None, referral=None) -> RetentionReview:
    where = {"case": case} if case is not None else {"referral": referral}
    return RetentionReview.objects.select_related("deadline", "rule").get(
        status=ReviewStatus.PENDING, **where
    )


def test_closing_a_case_starts_its_review_clock_under_the_rule_for_its_outcome(
    closed_case, supervisor
):
    review = _review(closed_case)
    rule = RetentionRule.objects.get(record_kind="case", outcome="no_further_action", current=True)
    assert review.rule == rule and rule.review_months == 72
    assert review.due_at.date().year == closed_case.closed_at.year + 6
    clock = review.deadline
    assert clock.kind == DeadlineKind.RETENTION_REVIEW and clock.state == DeadlineState.OPEN
    assert clock.case == closed_case and clock.owner == supervisor
    assert clock.due_at == review.due_at
    assert "retention review" in meeting_act(clock).act


def test_a_declined_referral_is_reviewed_and_an_accepted_one_goes_with_its_case(investigator):
    declined = make_referral(actor=investigator)
    referrals.referral_decline(actor=investigator, referral=declined, reason="Not a crime")
    assert _review(referral=declined).rule.review_months == 12
    accepted = make_referral(actor=investigator)
    referrals.referral_accept(actor=investigator, referral=accepted, lead=investigator)
    assert not RetentionReview.objects.filter(referral=accepted).exists()


def test_retaining_meets_the_clock_and_starts_the_next_review(closed_case, supervisor):
    review = _review(closed_case)
    next_on = timezone.localdate() + timedelta(days=400)
    following = services.retention_review_retain(
        actor=supervisor,
        review=review,
        reason="Linked enquiry still running",
        next_review_on=next_on,
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.RETAINED and review.decided_by == supervisor
    assert Deadline.objects.get(pk=review.deadline_id).state == DeadlineState.MET
    assert following.previous == review and following.status == ReviewStatus.PENDING
    assert following.deadline.due_at.date() == next_on
    assert AuditEvent.objects.filter(
        action="retention_review.retain", case_id=closed_case.pk
    ).exists()


def test_a_review_decision_is_a_supervisors_and_a_persons(
    closed_case, investigator, outside_supervisor, administrator, north
):
    review = _review(closed_case)
    robot, _secret = sa.service_account_create(
        name="retention-script", role="supervisor", unit=north, actor=administrator
    )
    for actor in (investigator, outside_supervisor, robot.user):
        with pytest.raises(DomainError) as error:
            services.retention_review_dispose(actor=actor, review=review, reason="Synthetic")
        assert error.value.status == 403
    assert _review(closed_case).deadline.state == DeadlineState.OPEN


def test_the_review_clock_cannot_be_met_by_hand(closed_case, supervisor):
    from casework.deadlines.services import deadline_meet_by_hand

    with pytest.raises(DomainError, match="retention review"):
        deadline_meet_by_hand(actor=supervisor, deadline=_review(closed_case).deadline)


def test_retain_refuses_a_date_in_the_past_or_beyond_ten_years(closed_case, supervisor):
    review = _review(closed_case)
    today = timezone.localdate()
    for day in (today, today + timedelta(days=365 * 11)):
        with pytest.raises(DomainError) as error:
            services.retention_review_retain(
                actor=supervisor, review=review, reason="Synthetic", next_review_on=day
            )
        assert error.value.errors[0].field == "next_review_on"
    with pytest.raises(DomainError) as error:
        services.retention_review_retain(
            actor=supervisor, review=review, reason="bad\x00", next_review_on=today + timedelta(3)
        )
    assert error.value.errors[0].field == "reason"


def test_disposal_by_one_person_alone_is_refused(closed_case, supervisor):
    request = services.retention_review_dispose(
        actor=supervisor, review=_review(closed_case), reason="Period passed, nothing pending"
    )
    with pytest.raises(DomainError, match="Another supervisor") as error:
        services.disposal_approve(actor=supervisor, request=request)
    assert error.value.status == 403
    assert Case.objects.get(pk=closed_case.pk).disposed_at is None
    assert DisposalRequest.objects.get(pk=request.pk).status == DisposalStatus.PENDING


def test_a_second_supervisor_approves_and_the_data_key_is_destroyed(
    closed_case, supervisor, second_supervisor
):
    request = services.retention_review_dispose(
        actor=supervisor, review=_review(closed_case), reason="Period passed"
    )
    tombstone = services.disposal_approve(actor=second_supervisor, request=request)
    key = DataKey.objects.get(scope="case", owner_id=closed_case.pk)
    assert key.destroyed_at is not None and key.wrapped_key is None
    assert key.destroyed_reason == f"Disposal {request.pk}"
    assert tombstone.label == closed_case.number and tombstone.record_kind == "case"
    assert (tombstone.requested_by, tombstone.approved_by) == (supervisor, second_supervisor)
    assert tombstone.rule.review_months == 72 and tombstone.removed["identifiers"] == 1
    assert Case.objects.get(pk=closed_case.pk).disposed_at is not None
    assert AuditEvent.objects.filter(action="disposal.approve", case_id=closed_case.pk).count() == 1


def test_the_disposal_leaves_an_event_naming_the_destroyed_key(
    closed_case, supervisor, second_supervisor
):
    """Data keys are not captured row by row (issue 26): the destruction's own event is the
    ledger's record of it, naming the key, its owner and the disposal."""
    request = services.retention_review_dispose(
        actor=supervisor, review=_review(closed_case), reason="Period passed"
    )
    services.disposal_approve(actor=second_supervisor, request=request)
    key = DataKey.objects.get(scope="case", owner_id=closed_case.pk)
    event = AuditEvent.objects.get(action="data_key.destroy")
    assert (event.object_type, event.object_id) == ("privacy.datakey", str(key.pk))
    assert event.details == {"scope": "case", "owner_id": closed_case.pk}
    assert event.case_id == closed_case.pk and event.reason == f"Disposal {request.pk}"
    assert event.actor_id == second_supervisor.pk
    # The only events about data keys are the services' own: no captured rows.
    assert not AuditEvent.objects.filter(object_type="privacy.datakey", source="database")


def test_a_held_case_cannot_be_disposed_and_the_hold_pauses_its_review(
    closed_case, supervisor, second_supervisor
):
    request = services.retention_review_dispose(
        actor=supervisor, review=_review(closed_case), reason="Period passed"
    )
    hold = services.legal_hold_place(
        actor=second_supervisor,
        case=closed_case,
        reason="Appeal pending",
        authority="Court order 2026/0042",
    )
    with pytest.raises(DomainError, match="legal hold") as error:
        services.disposal_approve(actor=second_supervisor, request=request)
    assert error.value.status == 409
    assert not Tombstone.objects.exists()
    services.disposal_reject(actor=supervisor, request=request, note="Held for the appeal")
    assert not RetentionReview.objects.filter(case=closed_case, status="pending").exists()
    assert services.retention_review_schedule(actor=supervisor, case=closed_case) is None
    services.legal_hold_lift(actor=supervisor, hold=hold, reason="Appeal decided")
    resumed = _review(closed_case)
    assert resumed.deadline.due_at > timezone.now() + timedelta(days=29)
    assert AuditEvent.objects.filter(action="legal_hold.lift", case_id=closed_case.pk).exists()


def test_a_hold_answers_a_due_review_and_meets_its_clock(closed_case, supervisor):
    review = _review(closed_case)
    services.legal_hold_place(
        actor=supervisor, case=closed_case, reason="Civil claim", authority="Letter ref 77"
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.HELD
    assert Deadline.objects.get(pk=review.deadline_id).state == DeadlineState.MET
    with pytest.raises(DomainError, match="already on legal hold"):
        services.legal_hold_place(actor=supervisor, case=closed_case, reason="x", authority="y")


def test_hold_needs_a_reason_and_an_authority_of_sane_length(closed_case, supervisor):
    for reason, authority, field in (
        ("", "Order 1", "reason"),
        ("Appeal", "", "authority"),
        ("Appeal", "x" * 201, "authority"),
        ("Appeal", "line\nbreak", "authority"),
    ):
        with pytest.raises(DomainError) as error:
            services.legal_hold_place(
                actor=supervisor, case=closed_case, reason=reason, authority=authority
            )
        assert error.value.errors[0].field == field


def test_a_case_whose_exhibit_the_store_still_holds_is_not_disposed(
    closed_case, supervisor, second_supervisor, administrator, investigator
):
    from tests.custody.factories import make_item, make_store

    Case.objects.filter(pk=closed_case.pk).update(status="open", closed_at=None)
    make_item(case=Case.objects.get(pk=closed_case.pk), store=make_store(admin=administrator))
    Case.objects.filter(pk=closed_case.pk).update(status="closed", closed_at=timezone.now())
    request = services.retention_review_dispose(
        actor=supervisor, review=_review(closed_case), reason="Period passed"
    )
    with pytest.raises(DomainError, match="evidence store still holds") as error:
        services.disposal_approve(actor=second_supervisor, request=request)
    assert error.value.status == 409
    assert Case.objects.get(pk=closed_case.pk).disposed_at is None


def test_a_referral_is_disposed_on_its_own(investigator, supervisor, second_supervisor):
    referral = make_referral(actor=investigator, summary="Synthetic summary zq_ref_7731")
    referrals.referral_decline(actor=investigator, referral=referral, reason="No offence zq_7731")
    request = services.retention_review_dispose(
        actor=supervisor, review=_review(referral=referral), reason="Period passed"
    )
    tombstone = services.disposal_approve(actor=second_supervisor, request=request)
    referral.refresh_from_db()
    assert tombstone.label == f"Referral {referral.pk}"
    assert referral.summary == "" and "zq_7731" not in referral.decline_reason
    assert not referral.identifiers.exists()


def test_rule_changes_are_versioned_and_reviews_keep_the_version_that_made_them(
    administrator, supervisor, investigator, closed_case
):
    before = _review(closed_case).rule
    rule = services.retention_rule_change(
        actor=administrator,
        record_kind="case",
        outcome="no_further_action",
        review_months=36,
        basis="Force policy 2027",
    )
    assert rule.version == before.version + 1 and rule.replaces == before and rule.current
    before.refresh_from_db()
    assert not before.current and _review(closed_case).rule == before
    other = make_case(lead=investigator)
    close_case(other, requester=investigator, approver=supervisor)
    assert _review(other).rule == rule
    event = AuditEvent.objects.get(action="retention_rule.change")
    assert event.changes["review_months"] == [72, 36]
    with pytest.raises(DomainError) as error:
        services.retention_rule_change(
            actor=supervisor, record_kind="case", outcome="other", review_months=1, basis="x"
        )
    assert error.value.status == 403
    for months in (0, 121, "12", True):
        with pytest.raises(DomainError) as error:
            services.retention_rule_change(
                actor=administrator,
                record_kind="case",
                outcome="other",
                review_months=months,
                basis="Policy",
            )
        assert error.value.errors[0].field == "review_months"
    with pytest.raises(DomainError) as error:
        services.retention_rule_change(
            actor=administrator, record_kind="referral", outcome="accepted", review_months=1,
            basis="Policy",
        )  # fmt: skip
    assert error.value.errors[0].field == "outcome"


def test_a_switched_off_rule_starts_no_review(administrator, investigator, supervisor):
    services.retention_rule_change(
        actor=administrator,
        record_kind="case",
        outcome="arrests",
        review_months=120,
        basis="Shipped default",
        active=False,
    )
    case = make_case(lead=investigator)
    close_case(case, requester=investigator, approver=supervisor, outcome="arrests")
    assert not RetentionReview.objects.filter(case=case).exists()


def test_a_merged_duplicate_is_reviewed_under_the_merged_rule(investigator, supervisor):
    original = make_case(lead=investigator, title="Synthetic original")
    duplicate = make_case(lead=investigator, title="Synthetic duplicate")
    from casework.cases.services import case_merge

    case_merge(actor=supervisor, duplicate=duplicate, original=original, reason="Opened twice")
    assert _review(duplicate).rule.outcome == "merged"
    assert not RetentionReview.objects.filter(case=original).exists()

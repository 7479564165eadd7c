"""Retention reviews: started when a record leaves active work, decided by a supervisor (retain
until a next review, or dispose), each with its ``retention_review`` clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.errors import ConflictError, DomainError
from casework.core.validation import date_problem
from casework.deadlines.choices import ACTIVE_STATES, DeadlineKind
from casework.deadlines.clock import add_months, zone_for
from casework.deadlines.services import deadline_meet, deadline_start

from ..choices import ReviewStatus
from ..models import MAX_REVIEW_MONTHS, DisposalRequest, RetentionReview
from .records import (
    active_hold,
    clean_reason,
    current_rule,
    in_retention,
    record_fields,
    record_filter,
    record_label,
    require_not_held,
    require_unit_supervisor,
)

REVIEW_SOURCE = "retention.review"
# A record back in retention after a hold is lifted or a disposal rejected is due for review
# this long after: time to decide again, without an overdue clock on the first day.
RESUME_REVIEW_DAYS = 30


def _unit_supervisor(unit) -> User | None:
    """The owner of a review clock: a supervisor of the unit (the longest-standing one); every
    supervisor of the unit sees it on the queue and is escalated to."""
    return (
        User.objects.filter(unit=unit, is_active=True, groups__name=Role.SUPERVISOR)
        .order_by("date_joined", "pk")
        .first()
    )


def _due_on(day: date, unit) -> datetime:
    """A review date, as 09:00 in the unit's zone that day."""
    try:
        zone = zone_for(unit.time_zone)
    except ValueError:
        zone = UTC
    return datetime.combine(day, time(9), tzinfo=zone)


def _start_review(
    *, actor, case, referral, rule, due_at: datetime, why: str, previous=None
) -> RetentionReview:
    """A pending review and its clock, in the caller's transaction (the caller audits)."""
    fields = record_fields(case, referral)
    try:
        with transaction.atomic():
            review = RetentionReview.objects.create(
                **fields, rule=rule, due_at=due_at, previous=previous, why_started=why[:200]
            )
    except IntegrityError:  # another review of the record started a moment ago
        raise ConflictError(f"{record_label(case, referral)} already has a review due.") from None
    review.deadline = deadline_start(
        actor=actor,
        kind=DeadlineKind.RETENTION_REVIEW,
        case=case,
        referral=referral,
        source_type=REVIEW_SOURCE,
        source_id=str(review.pk),
        starts_at=min(timezone.now(), due_at),
        due_at=due_at,
        owner=_unit_supervisor(fields["unit"]),
        note="Decide: retain with a next review date, dispose, or place on legal hold.",
    )
    review.save(update_fields=["deadline", "updated_at"])
    return review


def _meet(review: RetentionReview, actor) -> None:
    """The decision is the act the clock stands for: it meets it, whoever owns the clock."""
    deadline = review.deadline
    if deadline is not None and deadline.state in ACTIVE_STATES:
        deadline_meet(actor=actor, deadline=deadline)


def decide(review: RetentionReview, *, actor, status: str, reason: str) -> None:
    review.status = status
    review.decided_by = actor
    review.decided_at = timezone.now()
    review.reason = reason
    review.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    _meet(review, actor)


@transaction.atomic
def retention_review_schedule(
    *, actor, case=None, referral=None, not_before: datetime | None = None
) -> RetentionReview | None:
    """Start the first review of a record that just left active work (a case closed, a
    referral declined or referred out), due after the current rule's period. Nothing when the
    rule is switched off, a hold stands (the hold's lifting starts the review) or a review is
    already due. Called by the handlers of ``CaseClosed`` and ``ReferralTriaged``, and by
    ``retention_backfill`` for records that left work before retention existed, with
    ``not_before`` so that years of old records do not all fall due, overdue, on one day."""
    scope = in_retention(case, referral)
    if scope is None:
        return None
    rule = current_rule(*scope)
    if rule is None or not rule.active:
        return None
    if active_hold(case=case, referral=referral) is not None:
        return None
    record = case if case is not None else referral
    if RetentionReview.objects.filter(
        status=ReviewStatus.PENDING, **record_filter(case, referral)
    ).exists():
        return None
    left_work = (case.closed_at if case is not None else referral.triaged_at) or timezone.now()
    due_at = datetime.combine(add_months(left_work.date(), rule.review_months), left_work.timetz())
    if not_before is not None and due_at < not_before:
        due_at = not_before
    review = _start_review(
        actor=actor,
        case=case,
        referral=referral,
        rule=rule,
        due_at=due_at,
        why=f"{rule.outcome_label}: review after {rule.review_months} months",
    )
    audit_record(
        actor=actor,
        action="retention_review.schedule",
        target=review,
        case_id=case.pk if case is not None else None,
        details={
            "record": record_label(case, referral),
            "rule": rule.pk,
            "rule_version": rule.version,
            "due_at": due_at.isoformat(),
            "unit": record.unit_id,
        },
    )
    return review


def pending_for_decision(review: RetentionReview) -> RetentionReview:
    review = (
        RetentionReview.objects.select_for_update(of=("self",))
        .select_related("unit", "case", "referral", "deadline", "rule")
        .get(pk=review.pk)
    )
    if review.status != ReviewStatus.PENDING:
        raise ConflictError("This review is already decided.")
    return review


@transaction.atomic
def retention_review_retain(
    *, actor: User, review: RetentionReview, reason: str, next_review_on: date
) -> RetentionReview:
    """Keep the record, saying why, until the next review on ``next_review_on``: the decision
    meets this review's clock and starts the next one. Returns the next review."""
    require_unit_supervisor(actor, review.unit, "decide a retention review")
    review = pending_for_decision(review)
    reason = clean_reason(reason)
    if not isinstance(next_review_on, date) or isinstance(next_review_on, datetime):
        raise DomainError("Give the next review date.", field="next_review_on")
    today = timezone.localdate()
    problem = date_problem(
        next_review_on,
        earliest=today + timedelta(days=1),
        latest=add_months(today, MAX_REVIEW_MONTHS),
    )
    if problem:
        raise DomainError(problem, field="next_review_on")
    decide(review, actor=actor, status=ReviewStatus.RETAINED, reason=reason)
    scope = in_retention(review.case, review.referral)
    rule = current_rule(*scope) if scope else review.rule
    following = _start_review(
        actor=actor,
        case=review.case,
        referral=review.referral,
        rule=rule or review.rule,
        due_at=_due_on(next_review_on, review.unit),
        why="Retained at the last review",
        previous=review,
    )
    audit_record(
        actor=actor,
        action="retention_review.retain",
        target=review,
        case_id=review.case_id,
        details={
            "record": review.record_label,
            "next_review_on": next_review_on.isoformat(),
            "next_review": following.pk,
        },
        reason=reason,
    )
    return following


@transaction.atomic
def retention_review_dispose(
    *, actor: User, review: RetentionReview, reason: str
) -> DisposalRequest:
    """Decide that the record is to be disposed of: the decision meets the review's clock and
    asks a second supervisor of the unit to approve the disposal."""
    require_unit_supervisor(actor, review.unit, "decide a retention review")
    review = pending_for_decision(review)
    reason = clean_reason(reason)
    decide(review, actor=actor, status=ReviewStatus.DISPOSE, reason=reason)
    request = _disposal_request(
        actor=actor, case=review.case, referral=review.referral, review=review, reason=reason
    )
    audit_record(
        actor=actor,
        action="retention_review.dispose",
        target=review,
        case_id=review.case_id,
        details={"record": review.record_label, "disposal": request.pk},
        reason=reason,
    )
    return request


def _disposal_request(*, actor, case, referral, review, reason) -> DisposalRequest:
    require_not_held(case, referral, record_label(case, referral))
    try:
        with transaction.atomic():
            return DisposalRequest.objects.create(
                **record_fields(case, referral),
                review=review,
                rule=review.rule if review else None,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError:
        raise ConflictError(
            f"A disposal of {record_label(case, referral)} is already waiting for approval."
        ) from None


def resume_review(*, actor, case, referral, why: str) -> RetentionReview | None:
    scope = in_retention(case, referral)
    if scope is None or active_hold(case=case, referral=referral) is not None:
        return None  # still worked, gone, or held: the hold's lifting starts the review
    pending = RetentionReview.objects.filter(
        status=ReviewStatus.PENDING, **record_filter(case, referral)
    )
    if pending.exists():
        return None
    return _start_review(
        actor=actor,
        case=case,
        referral=referral,
        rule=current_rule(*scope),
        due_at=timezone.now() + timedelta(days=RESUME_REVIEW_DAYS),
        why=why,
    )

"""State changes of retention: rules, reviews, legal holds and two-person disposal.

Each function is one transaction and writes its audit event. Who may act is checked here, since
every rule is about the person: administrators edit the schedule; a supervisor of the record's
unit decides reviews, places and lifts holds and asks for disposal; a *second* supervisor of
that unit approves it; service accounts decide nothing (``require_person``). The review clock is
a ``retention_review`` deadline met by the review's decision and by nothing else.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.case_templates.disposal import checklist_dispose_personal_data
from casework.cases.models import Case
from casework.cases.selectors import is_unit_supervisor
from casework.cases.services import case_dispose_personal_data
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.validation import check_integer, clean_text, date_problem
from casework.custody.choices import ItemState
from casework.custody.models import EvidenceItem
from casework.deadlines.choices import ACTIVE_STATES, DeadlineKind
from casework.deadlines.clock import add_months, zone_for
from casework.deadlines.disposal import deadlines_dispose_personal_data
from casework.deadlines.services import deadline_meet, deadline_start
from casework.oversight.disposal import case_reviews_dispose_personal_data
from casework.partners.disposal import partner_records_dispose_personal_data
from casework.referrals.choices import ReferralStatus, TriageOutcome
from casework.referrals.disposal import (
    referral_dispose_personal_data,
    referrals_dispose_for_case,
)
from casework.referrals.models import Referral

from .choices import OUTCOMES, DisposalStatus, RecordKind, ReviewStatus
from .models import (
    MAX_REVIEW_MONTHS,
    DisposalRequest,
    LegalHold,
    RetentionReview,
    RetentionRule,
    Tombstone,
)

REVIEW_SOURCE = "retention.review"
# A record back in retention after a hold is lifted or a disposal rejected is due for review
# this long after: time to decide again, without an overdue clock on the first day.
RESUME_REVIEW_DAYS = 30
REASON_LIMIT = 2000
AUTHORITY_LIMIT = 200
BASIS_LIMIT = 300


# --- who, and what record -------------------------------------------------------------------


def _record_fields(case: Case | None, referral: Referral | None) -> dict:
    if (case is None) == (referral is None):
        raise DomainError("Name one case or one referral.", field="record")
    record = case if case is not None else referral
    return {"unit": record.unit, "case": case, "referral": referral}


def _of(case: Case | None, referral: Referral | None) -> dict:
    """The filter that finds a record's reviews, holds or disposals."""
    return {"case": case} if case is not None else {"referral": referral}


def _label(case: Case | None, referral: Referral | None) -> str:
    return case.number if case is not None else f"Referral {referral.pk}"


def _require_supervisor(actor: User, unit, act: str) -> None:
    require_person(actor, act)
    if not is_unit_supervisor(actor, unit.pk):
        raise DomainError(f"Only a supervisor of {unit.name} can {act}.", status=403)


def _reason(value, field: str = "reason") -> str:
    return clean_text(value, field=field, max_length=REASON_LIMIT, multiline=True, required=True)


def _active_hold(*, case=None, referral=None) -> LegalHold | None:
    return LegalHold.objects.filter(lifted_at__isnull=True, **_of(case, referral)).first()


def _in_retention(case: Case | None, referral: Referral | None) -> tuple[str, str] | None:
    """(record kind, outcome) when the record has left active work and is kept under the
    schedule; None while it is still worked (an open case, a referral in triage) or accepted
    into a case (it goes with the case) or already disposed of."""
    if case is not None:
        if not case.is_closed or case.disposed_at is not None:
            return None
        return RecordKind.CASE, case.closure_outcome
    if referral.disposed_at is not None or referral.status not in (
        ReferralStatus.DECLINED,
        ReferralStatus.REFERRED_OUT,
    ):
        return None
    return RecordKind.REFERRAL, referral.status


def current_rule(record_kind: str, outcome: str) -> RetentionRule | None:
    return RetentionRule.objects.filter(
        record_kind=record_kind, outcome=outcome, current=True
    ).first()


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


# --- the schedule -----------------------------------------------------------------------------


@transaction.atomic
def retention_rule_change(
    *,
    actor: User,
    record_kind: str,
    outcome: str,
    review_months,
    basis: str,
    active: bool = True,
) -> RetentionRule:
    """Make a new version of the rule for ``record_kind`` and ``outcome`` the one in force.

    Reviews already started keep the version that produced them (each names it); only records
    closed or triaged from now on are reviewed under the new one."""
    require_person(actor, "change the retention schedule")
    if not actor.has_role(Role.ADMINISTRATOR):
        raise DomainError("Only an administrator changes the retention schedule.", status=403)
    if record_kind not in RecordKind.values:
        raise DomainError("Choose a case or a referral.", field="record_kind")
    if outcome not in dict(OUTCOMES[record_kind]):
        raise DomainError("Choose an outcome of this kind of record.", field="outcome")
    months = check_integer(
        review_months, field="review_months", minimum=1, maximum=MAX_REVIEW_MONTHS
    )
    basis = clean_text(basis, field="basis", max_length=BASIS_LIMIT, required=True)
    if not isinstance(active, bool):
        raise DomainError("Say yes or no.", field="active")
    previous = (
        RetentionRule.objects.select_for_update(of=("self",))
        .filter(record_kind=record_kind, outcome=outcome, current=True)
        .first()
    )
    if previous is not None:
        if (previous.review_months, previous.basis, previous.active) == (months, basis, active):
            raise DomainError(
                "This is the rule in force already: nothing changed.", field="review_months"
            )
        previous.current = False
        previous.save(update_fields=["current", "updated_at"])
    rule = RetentionRule.objects.create(
        record_kind=record_kind,
        outcome=outcome,
        version=(previous.version + 1) if previous else 1,
        review_months=months,
        basis=basis,
        active=active,
        replaces=previous,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="retention_rule.change",
        target=rule,
        changes={
            "review_months": [previous.review_months if previous else None, months],
            "basis": [previous.basis if previous else None, basis],
            "active": [previous.active if previous else None, active],
        },
        details={"record_kind": record_kind, "outcome": outcome, "version": rule.version},
    )
    return rule


# --- reviews ----------------------------------------------------------------------------------


def _start_review(
    *, actor, case, referral, rule, due_at: datetime, why: str, previous=None
) -> RetentionReview:
    """A pending review and its clock, in the caller's transaction (the caller audits)."""
    fields = _record_fields(case, referral)
    try:
        with transaction.atomic():
            review = RetentionReview.objects.create(
                **fields, rule=rule, due_at=due_at, previous=previous, why_started=why[:200]
            )
    except IntegrityError:  # another review of the record started a moment ago
        raise ConflictError(f"{_label(case, referral)} already has a review due.") from None
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


def _decide(review: RetentionReview, *, actor, status: str, reason: str) -> None:
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
    scope = _in_retention(case, referral)
    if scope is None:
        return None
    rule = current_rule(*scope)
    if rule is None or not rule.active:
        return None
    if _active_hold(case=case, referral=referral) is not None:
        return None
    record = case if case is not None else referral
    if RetentionReview.objects.filter(status=ReviewStatus.PENDING, **_of(case, referral)).exists():
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
            "record": _label(case, referral),
            "rule": rule.pk,
            "rule_version": rule.version,
            "due_at": due_at.isoformat(),
            "unit": record.unit_id,
        },
    )
    return review


def _pending(review: RetentionReview) -> RetentionReview:
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
    _require_supervisor(actor, review.unit, "decide a retention review")
    review = _pending(review)
    reason = _reason(reason)
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
    _decide(review, actor=actor, status=ReviewStatus.RETAINED, reason=reason)
    scope = _in_retention(review.case, review.referral)
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
    _require_supervisor(actor, review.unit, "decide a retention review")
    review = _pending(review)
    reason = _reason(reason)
    _decide(review, actor=actor, status=ReviewStatus.DISPOSE, reason=reason)
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
    hold = _active_hold(case=case, referral=referral)
    if hold is not None:
        raise DomainError(
            f"{_label(case, referral)} is on legal hold ({hold.authority}): nothing in it can "
            "be disposed of until the hold is lifted.",
            status=409,
        )
    try:
        with transaction.atomic():
            return DisposalRequest.objects.create(
                **_record_fields(case, referral),
                review=review,
                rule=review.rule if review else None,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError:
        raise ConflictError(
            f"A disposal of {_label(case, referral)} is already waiting for approval."
        ) from None


# --- legal hold -------------------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(
    *, actor: User, case=None, referral=None, reason: str, authority: str
) -> LegalHold:
    """Hold a case or referral: nothing in it is disposed of while the hold stands.

    A review due on the record is decided by the hold (recorded as "held", meeting its clock:
    the hold is the review's answer), and no review clock runs until the hold is lifted."""
    fields = _record_fields(case, referral)
    _require_supervisor(actor, fields["unit"], "place a legal hold")
    record = case if case is not None else referral
    if record.disposed_at is not None:
        raise DomainError(f"{_label(case, referral)} is already disposed of.", status=409)
    reason = _reason(reason)
    authority = clean_text(authority, field="authority", max_length=AUTHORITY_LIMIT, required=True)
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                **fields, reason=reason, authority=authority, placed_by=actor
            )
    except IntegrityError:
        raise ConflictError(f"{_label(case, referral)} is already on legal hold.") from None
    pending = RetentionReview.objects.filter(
        status=ReviewStatus.PENDING, **_of(case, referral)
    ).first()
    if pending is not None:
        pending = _pending(pending)
        _decide(pending, actor=actor, status=ReviewStatus.HELD, reason=f"Legal hold: {reason}")
    audit_record(
        actor=actor,
        action="legal_hold.place",
        target=hold,
        case_id=case.pk if case is not None else None,
        details={
            "record": _label(case, referral),
            "authority": authority,
            "review": pending.pk if pending else None,
        },
        reason=reason,
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """Lift a hold, saying why. A record kept under the schedule is then due for review
    ``RESUME_REVIEW_DAYS`` later, so that lifting a hold never leaves a record with no clock."""
    _require_supervisor(actor, hold.unit, "lift a legal hold")
    hold = (
        LegalHold.objects.select_for_update(of=("self",))
        .select_related("case", "referral")
        .get(pk=hold.pk)
    )
    if hold.lifted_at is not None:
        raise ConflictError("This hold is already lifted.")
    reason = _reason(reason, "lift_reason")
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    review = _resume_review(
        actor=actor, case=hold.case, referral=hold.referral, why="Legal hold lifted"
    )
    audit_record(
        actor=actor,
        action="legal_hold.lift",
        target=hold,
        case_id=hold.case_id,
        details={"record": hold.record_label, "review": review.pk if review else None},
        reason=reason,
    )
    return hold


def _resume_review(*, actor, case, referral, why: str) -> RetentionReview | None:
    scope = _in_retention(case, referral)
    if scope is None or _active_hold(case=case, referral=referral) is not None:
        return None  # still worked, gone, or held: the hold's lifting starts the review
    pending = RetentionReview.objects.filter(status=ReviewStatus.PENDING, **_of(case, referral))
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


# --- disposal ---------------------------------------------------------------------------------


def _require_nothing_in_store(case: Case) -> None:
    held = list(
        EvidenceItem.objects.filter(case=case, state=ItemState.IN_CUSTODY)
        .order_by("exhibit_number")
        .values_list("exhibit_number", flat=True)[:10]
    )
    if held:
        raise DomainError(
            f"The evidence store still holds {', '.join(held)} of {case.number}: release or "
            "dispose of the exhibits in Custody first (their own two-person disposal).",
            status=409,
        )


def _dispose_case(actor, case: Case) -> dict[str, int]:
    referrals = list(Referral.objects.filter(case=case).order_by("pk"))
    removed = dict(case_dispose_personal_data(actor=actor, case=case))
    removed.update(referrals_dispose_for_case(actor=actor, case=case))
    removed.update(deadlines_dispose_personal_data(actor=actor, case=case))
    removed.update(partner_records_dispose_personal_data(actor=actor, case=case))
    removed.update(case_reviews_dispose_personal_data(actor=actor, case=case))
    removed.update(checklist_dispose_personal_data(actor=actor, case=case))
    for referral in referrals:  # what hangs off its referrals from before the case
        for key, count in deadlines_dispose_personal_data(actor=actor, referral=referral).items():
            removed[key] = removed.get(key, 0) + count
        for key, count in partner_records_dispose_personal_data(
            actor=actor, referral=referral
        ).items():
            removed[key] = removed.get(key, 0) + count
    return removed


def _dispose_referral(actor, referral: Referral) -> dict[str, int]:
    removed = dict(referral_dispose_personal_data(actor=actor, referral=referral))
    removed.update(deadlines_dispose_personal_data(actor=actor, referral=referral))
    removed.update(partner_records_dispose_personal_data(actor=actor, referral=referral))
    return removed


@transaction.atomic
def disposal_approve(*, actor: User, request: DisposalRequest, note: str = "") -> Tombstone:
    """A second supervisor of the unit approves a disposal: in this one transaction the
    personal fields of the record and of everything under it are removed or blanked by the
    owning apps, a tombstone is left, and ``RecordDisposed`` is published (the data key of
    the record is destroyed by its subscriber)."""
    require_person(actor, "approve a disposal")
    request = (
        DisposalRequest.objects.select_for_update(of=("self",))
        .select_related("unit", "case", "referral", "rule", "requested_by")
        .get(pk=request.pk)
    )
    _require_supervisor(actor, request.unit, "approve a disposal")
    if request.status != DisposalStatus.PENDING:
        raise ConflictError("This disposal is already decided.")
    if request.requested_by_id == actor.pk:
        raise DomainError(
            "Another supervisor must approve a disposal you asked for: it takes two people.",
            status=403,
        )
    case, referral = request.case, request.referral
    hold = _active_hold(case=case, referral=referral)
    if hold is not None:
        raise DomainError(
            f"{request.record_label} is on legal hold ({hold.authority}): nothing in it can be "
            "disposed of until the hold is lifted.",
            status=409,
        )
    note = clean_text(note, field="note", max_length=REASON_LIMIT, multiline=True)
    if case is not None:
        _require_nothing_in_store(case)
        removed = _dispose_case(actor, case)
    else:
        removed = _dispose_referral(actor, referral)
    now = timezone.now()
    request.status = DisposalStatus.APPROVED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = note
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    # A review started since the request (a hold placed and lifted) is answered by the disposal.
    for review in RetentionReview.objects.filter(
        status=ReviewStatus.PENDING, **_of(case, referral)
    ):
        _decide(review, actor=actor, status=ReviewStatus.DISPOSE, reason="Disposed of.")
    tombstone = Tombstone.objects.create(
        unit=request.unit,
        record_kind=request.record_kind,
        record_id=(case or referral).pk,
        label=request.record_label,
        disposal=request,
        rule=request.rule,
        disposed_at=now,
        requested_by=request.requested_by,
        approved_by=actor,
        removed=removed,
    )
    audit_record(
        actor=actor,
        action="disposal.approve",
        target=request,
        case_id=case.pk if case is not None else None,
        details={
            "record": request.record_label,
            "requested_by": request.requested_by.get_username(),
            "rule": request.rule_id,
            "tombstone": tombstone.pk,
            "removed": removed,
        },
    )
    if case is not None:
        events.publish(events.RecordDisposed(case=case, actor=actor, disposal=request))
    else:
        events.publish(events.RecordDisposed(referral=referral, actor=actor, disposal=request))
    return tombstone


@transaction.atomic
def disposal_reject(*, actor: User, request: DisposalRequest, note: str) -> DisposalRequest:
    """Turn a disposal down (or withdraw one's own), saying why: the record is kept and due for
    review again ``RESUME_REVIEW_DAYS`` later."""
    require_person(actor, "decide on a disposal")
    request = (
        DisposalRequest.objects.select_for_update(of=("self",))
        .select_related("unit", "case", "referral")
        .get(pk=request.pk)
    )
    _require_supervisor(actor, request.unit, "decide on a disposal")
    if request.status != DisposalStatus.PENDING:
        raise ConflictError("This disposal is already decided.")
    note = _reason(note, "note")
    request.status = DisposalStatus.REJECTED
    request.decided_by = actor if actor.pk != request.requested_by_id else None
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    review = _resume_review(
        actor=actor, case=request.case, referral=request.referral, why="Disposal turned down"
    )
    audit_record(
        actor=actor,
        action="disposal.reject",
        target=request,
        case_id=request.case_id,
        details={"record": request.record_label, "review": review.pk if review else None},
        reason=note,
    )
    return request


__all__ = [
    "RESUME_REVIEW_DAYS",
    "TriageOutcome",
    "current_rule",
    "disposal_approve",
    "disposal_reject",
    "legal_hold_lift",
    "legal_hold_place",
    "retention_review_dispose",
    "retention_review_retain",
    "retention_review_schedule",
    "retention_rule_change",
]

"""Legal holds: nothing in a held record is disposed of, and no review clock runs, until the
hold is lifted."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.errors import ConflictError, DomainError
from casework.core.validation import clean_text

from ..choices import ReviewStatus
from ..models import LegalHold, RetentionReview
from .records import (
    clean_reason,
    record_fields,
    record_filter,
    record_label,
    require_unit_supervisor,
)
from .reviews import decide, pending_for_decision, resume_review

AUTHORITY_LIMIT = 200


@transaction.atomic
def legal_hold_place(
    *, actor: User, case=None, referral=None, reason: str, authority: str
) -> LegalHold:
    """Hold a case or referral: nothing in it is disposed of while the hold stands.

    A review due on the record is decided by the hold (recorded as "held", meeting its clock:
    the hold is the review's answer), and no review clock runs until the hold is lifted."""
    fields = record_fields(case, referral)
    require_unit_supervisor(actor, fields["unit"], "place a legal hold")
    record = case if case is not None else referral
    if record.disposed_at is not None:
        raise DomainError(f"{record_label(case, referral)} is already disposed of.", status=409)
    reason = clean_reason(reason)
    authority = clean_text(authority, field="authority", max_length=AUTHORITY_LIMIT, required=True)
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                **fields, reason=reason, authority=authority, placed_by=actor
            )
    except IntegrityError:
        raise ConflictError(f"{record_label(case, referral)} is already on legal hold.") from None
    pending = RetentionReview.objects.filter(
        status=ReviewStatus.PENDING, **record_filter(case, referral)
    ).first()
    if pending is not None:
        pending = pending_for_decision(pending)
        decide(pending, actor=actor, status=ReviewStatus.HELD, reason=f"Legal hold: {reason}")
    audit_record(
        actor=actor,
        action="legal_hold.place",
        target=hold,
        case_id=case.pk if case is not None else None,
        details={
            "record": record_label(case, referral),
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
    require_unit_supervisor(actor, hold.unit, "lift a legal hold")
    hold = (
        LegalHold.objects.select_for_update(of=("self",))
        .select_related("case", "referral")
        .get(pk=hold.pk)
    )
    if hold.lifted_at is not None:
        raise ConflictError("This hold is already lifted.")
    reason = clean_reason(reason, "lift_reason")
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason", "updated_at"])
    review = resume_review(
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

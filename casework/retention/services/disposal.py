"""Two-person disposal: a second supervisor approves, the owning apps blank the record's personal
fields in the same transaction, and a tombstone is left."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.case_templates.disposal import checklist_dispose_personal_data
from casework.cases.models import Case
from casework.cases.services import case_dispose_personal_data
from casework.core.errors import ConflictError, DomainError
from casework.core.validation import clean_text
from casework.custody.choices import ItemState
from casework.custody.models import EvidenceItem
from casework.deadlines.disposal import deadlines_dispose_personal_data
from casework.oversight.disposal import case_reviews_dispose_personal_data
from casework.partners.disposal import partner_records_dispose_personal_data
from casework.privacy.services import data_key_destroy
from casework.referrals.disposal import referral_dispose_personal_data, referrals_dispose_for_case
from casework.referrals.models import Referral

from ..choices import DisposalStatus, ReviewStatus
from ..models import DisposalRequest, RetentionReview, Tombstone
from .records import (
    REASON_LIMIT,
    clean_reason,
    record_filter,
    require_not_held,
    require_unit_supervisor,
)
from .reviews import decide, resume_review


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
    owning apps, a tombstone is left, and the record's data key is destroyed (crypto-shredding:
    every copy of its ciphertext, in its tables and in the ledger, becomes unreadable)."""
    request = _approvable(actor, request)
    case, referral = request.case, request.referral
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
        status=ReviewStatus.PENDING, **record_filter(case, referral)
    ):
        decide(review, actor=actor, status=ReviewStatus.DISPOSE, reason="Disposed of.")
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
    data_key_destroy(actor=actor, case=case, referral=referral, reason=f"Disposal {request.pk}")
    return tombstone


def _approvable(actor: User, request: DisposalRequest) -> DisposalRequest:
    """The request, locked, once ``actor`` may approve it: a supervisor of its unit who did
    not ask for it, while it waits and no hold stands on the record."""
    require_person(actor, "approve a disposal")
    request = (
        DisposalRequest.objects.select_for_update(of=("self",))
        .select_related("unit", "case", "referral", "rule", "requested_by")
        .get(pk=request.pk)
    )
    require_unit_supervisor(actor, request.unit, "approve a disposal")
    if request.status != DisposalStatus.PENDING:
        raise ConflictError("This disposal is already decided.")
    if request.requested_by_id == actor.pk:
        raise DomainError(
            "Another supervisor must approve a disposal you asked for: it takes two people.",
            status=403,
        )
    require_not_held(request.case, request.referral, request.record_label)
    return request


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
    require_unit_supervisor(actor, request.unit, "decide on a disposal")
    if request.status != DisposalStatus.PENDING:
        raise ConflictError("This disposal is already decided.")
    note = clean_reason(note, "note")
    request.status = DisposalStatus.REJECTED
    request.decided_by = actor if actor.pk != request.requested_by_id else None
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    review = resume_review(
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

"""Permission-aware reads of retention. Need-to-know: reviews, holds and disposals are a
supervisor's of the record's unit; tombstones are also an auditor's (of every unit); the
schedule is read by anyone signed in and changed by administrators. Anything else is 404."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from casework.accounts.choices import Role
from casework.cases.selectors import case_get_for, is_unit_supervisor
from casework.core.errors import NotFound
from casework.referrals.selectors import referral_get_for

from .choices import DisposalStatus, ReviewStatus
from .models import DisposalRequest, LegalHold, RetentionReview, RetentionRule, Tombstone

QUEUE_PAGE = 50
_REFERRAL = re.compile(r"^(?:referral\s*)?#?(\d{1,18})$", re.IGNORECASE)


def supervises(user) -> bool:
    return is_unit_supervisor(user, getattr(user, "unit_id", None))


def is_auditor(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(Role.AUDITOR))


def is_administrator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(Role.ADMINISTRATOR))


def _unit_rows(model, user) -> QuerySet:
    if not supervises(user):
        return model.objects.none()
    return model.objects.filter(unit_id=user.unit_id)


def reviews_due(*, user, after: int | None = None) -> QuerySet[RetentionReview]:
    """The unit's pending reviews, soonest due first; keyset on (due, id) after review ``after``."""
    reviews = (
        _unit_rows(RetentionReview, user)
        .filter(status=ReviewStatus.PENDING)
        .select_related("case", "rule", "deadline")
        .order_by("due_at", "id")
    )
    if after:
        anchor = reviews.filter(pk=after).values_list("due_at", flat=True).first()
        if anchor is not None:
            reviews = reviews.filter(Q(due_at__gt=anchor) | Q(due_at=anchor, id__gt=after))
    return reviews


def review_get_for(*, user, pk: int) -> RetentionReview:
    review = (
        _unit_rows(RetentionReview, user)
        .select_related("unit", "case", "referral", "rule", "deadline", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise NotFound("No review that you can decide.")
    return review


def disposals_pending(*, user) -> QuerySet[DisposalRequest]:
    return (
        _unit_rows(DisposalRequest, user)
        .filter(status=DisposalStatus.PENDING)
        .select_related("case", "rule", "requested_by")
        .order_by("created_at", "id")[:QUEUE_PAGE]
    )


def disposal_get_for(*, user, pk: int) -> DisposalRequest:
    request = (
        _unit_rows(DisposalRequest, user)
        .select_related("unit", "case", "referral", "rule", "requested_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise NotFound("No disposal that you can decide.")
    return request


def holds_active(*, user) -> QuerySet[LegalHold]:
    return (
        _unit_rows(LegalHold, user)
        .filter(lifted_at__isnull=True)
        .select_related("case", "placed_by")
        .order_by("-created_at", "-id")[:QUEUE_PAGE]
    )


def hold_get_for(*, user, pk: int) -> LegalHold:
    hold = (
        _unit_rows(LegalHold, user)
        .select_related("unit", "case", "referral", "placed_by", "lifted_by")
        .filter(pk=pk)
        .first()
    )
    if hold is None:
        raise NotFound("No legal hold that you can see.")
    return hold


def record_for_hold(*, user, text: str):
    """(case, referral) named by ``text``: a case number, or a referral's number in Casework
    ("Referral 123" or "123"), which ``user`` may see and whose unit they supervise."""
    text = (text or "").strip()
    match = _REFERRAL.match(text)
    try:
        if match:
            referral = referral_get_for(user=user, pk=int(match.group(1)))
            unit_id, found = referral.unit_id, (None, referral)
        else:
            case = case_get_for(user=user, number=text.upper())
            unit_id, found = case.unit_id, (case, None)
    except (NotFound, OverflowError, ValueError):
        raise NotFound("No case or referral with this number that you can see.") from None
    if not is_unit_supervisor(user, unit_id):
        raise NotFound("No case or referral with this number that you can see.")
    return found


def tombstones_for(*, user) -> QuerySet[Tombstone]:
    rows = Tombstone.objects.select_related("unit", "rule", "requested_by", "approved_by")
    if is_auditor(user):
        return rows
    if supervises(user):
        return rows.filter(unit_id=user.unit_id)
    return rows.none()


def tombstone_get_for(*, user, pk: int) -> Tombstone:
    tombstone = tombstones_for(user=user).filter(pk=pk).first()
    if tombstone is None:
        raise NotFound("No disposed record that you can see.")
    return tombstone


def tombstone_of(*, user, record_kind: str, record_id: int) -> Tombstone | None:
    return tombstones_for(user=user).filter(record_kind=record_kind, record_id=record_id).first()


def rules_current() -> QuerySet[RetentionRule]:
    return RetentionRule.objects.filter(current=True).order_by("record_kind", "outcome")


def rule_get_for_change(*, user, pk: int) -> RetentionRule:
    if not is_administrator(user):
        raise NotFound("No rule that you can change.")
    rule = RetentionRule.objects.filter(pk=pk, current=True).first()
    if rule is None:
        raise NotFound("No rule in force with this number.")
    return rule


def rule_versions(rule: RetentionRule) -> QuerySet[RetentionRule]:
    return (
        RetentionRule.objects.filter(record_kind=rule.record_kind, outcome=rule.outcome)
        .select_related("created_by")
        .order_by("-version")[:QUEUE_PAGE]
    )

"""Who may act, and on what record: what every retention service checks first."""

from __future__ import annotations

from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.cases.models import Case
from casework.cases.selectors import is_unit_supervisor
from casework.core.errors import DomainError
from casework.core.validation import clean_text
from casework.referrals.choices import ReferralStatus
from casework.referrals.models import Referral

from ..choices import RecordKind
from ..models import LegalHold, RetentionRule

REASON_LIMIT = 2000


def record_fields(case: Case | None, referral: Referral | None) -> dict:
    if (case is None) == (referral is None):
        raise DomainError("Name one case or one referral.", field="record")
    record = case if case is not None else referral
    return {"unit": record.unit, "case": case, "referral": referral}


def record_filter(case: Case | None, referral: Referral | None) -> dict:
    """The filter that finds a record's reviews, holds or disposals."""
    return {"case": case} if case is not None else {"referral": referral}


def record_label(case: Case | None, referral: Referral | None) -> str:
    return case.number if case is not None else f"Referral {referral.pk}"


def require_unit_supervisor(actor: User, unit, act: str) -> None:
    require_person(actor, act)
    if not is_unit_supervisor(actor, unit.pk):
        raise DomainError(f"Only a supervisor of {unit.name} can {act}.", status=403)


def clean_reason(value, field: str = "reason") -> str:
    return clean_text(value, field=field, max_length=REASON_LIMIT, multiline=True, required=True)


def active_hold(*, case=None, referral=None) -> LegalHold | None:
    return LegalHold.objects.filter(lifted_at__isnull=True, **record_filter(case, referral)).first()


def require_not_held(case: Case | None, referral: Referral | None, label: str) -> None:
    hold = active_hold(case=case, referral=referral)
    if hold is not None:
        raise DomainError(
            f"{label} is on legal hold ({hold.authority}): nothing in it can be disposed of "
            "until the hold is lifted.",
            status=409,
        )


def in_retention(case: Case | None, referral: Referral | None) -> tuple[str, str] | None:
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

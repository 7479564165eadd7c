"""Disposal of a referral's personal data (retention), called by the retention app inside its
transaction once two supervisors agreed: a declined or referred-out referral on its own, or the
referrals accepted into a case being disposed of.

What goes: the summary, the decline reason, and every identifier (rows deleted, so deconfliction
no longer finds them). What stays: the row, its unit, source kind and agency, the source's
reference (the source's ticket number, not a person's), priority, status and every time, which
the unit's figures count.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.disposal import REMOVED, blank_text
from casework.core.errors import DomainError

from .models import Referral, ReferralIdentifier


def _dispose(referral: Referral, now) -> dict[str, int]:
    removed = {"identifiers": ReferralIdentifier.objects.filter(referral=referral).delete()[0]}
    blank_text(Referral.objects.filter(pk=referral.pk), ["decline_reason"])
    Referral.objects.filter(pk=referral.pk).update(summary="", disposed_at=now, updated_at=now)
    return removed


@transaction.atomic
def referral_dispose_personal_data(*, actor: User, referral: Referral) -> dict[str, int]:
    """A declined or referred-out referral: its identifiers, summary and reason go."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.is_open or referral.case_id is not None:
        raise DomainError(
            "Only a declined or referred-out referral is disposed of on its own; an accepted "
            "one goes with its case."
        )
    if referral.disposed_at is not None:
        raise DomainError("This referral is already disposed of.")
    removed = _dispose(referral, timezone.now())
    audit_record(
        actor=actor, action="referral.dispose", target=referral, details={"removed": removed}
    )
    return removed


@transaction.atomic
def referrals_dispose_for_case(*, actor: User, case) -> dict[str, int]:
    """The referrals accepted into ``case`` (being disposed of): one audit event for them all."""
    now = timezone.now()
    referrals = list(
        Referral.objects.select_for_update()
        .filter(case=case, disposed_at__isnull=True)
        .order_by("pk")
    )
    identifiers = sum(_dispose(referral, now)["identifiers"] for referral in referrals)
    removed = {"referrals": len(referrals), "referral_identifiers": identifiers}
    if referrals:
        audit_record(
            actor=actor,
            action="referral.dispose",
            object_type="cases.case",
            object_id=str(case.pk),
            case_id=case.pk,
            details={"removed": removed, "referrals": [r.pk for r in referrals]},
        )
    return removed


__all__ = ["REMOVED", "referral_dispose_personal_data", "referrals_dispose_for_case"]

"""Need-to-know for referrals: the receiving unit until accepted, then the case's access."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.accounts.choices import Role
from casework.cases.selectors import case_visibility_q
from casework.core.errors import NotFound

from .models import Referral


def referral_visibility_q(user) -> Q:
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    visible = Q(case__isnull=False) & case_visibility_q(user, prefix="case__")
    if user.unit_id is not None and user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        visible |= Q(case__isnull=True, unit_id=user.unit_id)
    return visible


def referrals_visible_to(user) -> QuerySet[Referral]:
    return Referral.objects.filter(referral_visibility_q(user))


def referral_get_for(*, user, pk: int) -> Referral:
    referral = referrals_visible_to(user).select_related("unit", "case").filter(pk=pk).first()
    if referral is None:
        raise NotFound("No such referral that you can see.")
    return referral

"""Need-to-know for cases, decided here and only here.

Threat: an investigator browsing cases they have no part in (curiosity, or an insider helping a
suspect). Every page, API route, search, export, count and feed that touches a case, or anything
under one, filters through ``cases_visible_to`` / ``case_visibility_q``. A case one may not see
is absent from lists and totals and answers 404.

Rules: an investigator (and an administrator) sees cases on which they hold guardian's
``view_case_content`` object permission, granted to the lead and to assignees by the services;
a supervisor sees every case of their unit; an auditor sees no case content.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from casework.accounts.choices import Role
from casework.core.errors import NotFound

from .models import Case, CaseAssignment, CaseUserObjectPermission

VIEW_PERMISSION = "view_case_content"


def case_visibility_q(user, *, prefix: str = "") -> Q:
    """A ``Q`` selecting the cases ``user`` may see; ``prefix`` is the path to the case
    (``"case__"`` from a model with a ``case`` foreign key). Empty for signed-out users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    granted = Exists(
        CaseUserObjectPermission.objects.filter(
            user=user,
            permission__codename=VIEW_PERMISSION,
            content_object=OuterRef(f"{prefix}pk" if prefix else "pk"),
        )
    )
    visible = Q(granted) if not prefix else Q(**{f"{prefix}in": _granted_case_ids(user)})
    if user.has_role(Role.SUPERVISOR) and user.unit_id is not None:
        visible |= Q(**{f"{prefix}unit_id": user.unit_id})
    return visible


def _granted_case_ids(user) -> QuerySet:
    return CaseUserObjectPermission.objects.filter(
        user=user, permission__codename=VIEW_PERMISSION
    ).values("content_object_id")


def cases_visible_to(user) -> QuerySet[Case]:
    return Case.objects.filter(case_visibility_q(user))


def case_get_for(*, user, number: str) -> Case:
    """The case with this number if ``user`` may see it; otherwise NotFound (404)."""
    case = cases_visible_to(user).select_related("unit", "lead").filter(number=number).first()
    if case is None:
        raise NotFound(f"No case {number} that you can see.")
    return case


def case_is_visible(*, user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


# --- Roles on one case ------------------------------------------------------------------------


def is_unit_supervisor(user, unit_id: int | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and unit_id is not None
        and user.unit_id == unit_id
        and user.has_role(Role.SUPERVISOR)
    )


def is_case_member(user, case: Case) -> bool:
    """Lead or assignee (an active account). Not a supervisor, not a granted administrator."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if case.lead_id == user.pk:
        return True
    return CaseAssignment.objects.filter(case=case, user=user).exists()


def can_manage_case(user, case: Case) -> bool:
    """Status, priority, lead and assignments: the lead or a supervisor of the case's unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return case.lead_id == user.pk or is_unit_supervisor(user, case.unit_id)


def can_see_victims(user, case: Case) -> bool:
    return is_unit_supervisor(user, case.unit_id) or is_case_member(user, case)


def victim_visibility_q(user, *, prefix: str = "case__") -> Q:
    """Victim records: the case's lead, its assignees and its unit's supervisors — not an
    administrator who was granted the case, and not an auditor."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    visible = Q(**{f"{prefix}lead_id": user.pk}) | Q(
        **{f"{prefix}in": CaseAssignment.objects.filter(user=user).values("case_id")}
    )
    if user.has_role(Role.SUPERVISOR) and user.unit_id is not None:
        visible |= Q(**{f"{prefix}unit_id": user.unit_id})
    return visible

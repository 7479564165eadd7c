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

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.core.errors import NotFound
from casework.core.queries import InArray

from ..models import Case, CaseAssignment, CaseUserObjectPermission

VIEW_PERMISSION = "view_case_content"


def case_visibility_q(
    user, *, prefix: str = "", semi_join: bool = False, or_arm: bool = False
) -> Q:
    """A ``Q`` selecting the cases ``user`` may see; ``prefix`` is the path to the case
    (``"case__"`` from a model with a ``case`` foreign key). Empty for signed-out users.

    ``semi_join`` (with a prefix) tests the case id against the ids of the cases the user may
    see, instead of joining each row's case: the same rows, for aggregates over many rows (the
    oversight figures), where PostgreSQL otherwise hashes every case of every unit to read one
    column of them. A short list keeps the join, which probes a handful of cases by key.
    ``or_arm``: the filter is one arm of an OR (PostgreSQL then tests each row against a
    hashed set), so the set can be ``visible_case_ids_as_set``, read from indexes alone."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    supervisor = user.has_role(Role.SUPERVISOR) and user.unit_id is not None
    if prefix and semi_join and supervisor:
        ids = visible_case_ids_as_set(user) if or_arm else visible_case_ids(user)
        return Q(**{f"{prefix}in": ids})
    if prefix:
        # From a related model the grant is a plain IN over the grant table's case ids.
        visible = Q(**{f"{prefix}in": _granted_case_ids(user)})
    elif supervisor:
        # "Their unit's cases, or a case granted to them": both halves an index condition
        # (the unit index, and the primary key against the array of granted ids that
        # PostgreSQL reads once), so a count or a page reads the unit's cases alone. Written
        # as EXISTS, the OR made PostgreSQL test every case of every unit (issue 26: 32.7 ms
        # for the count at national scale, growing with the whole table).
        return Q(unit_id=user.unit_id) | Q(InArray(F("pk"), _granted_case_ids(user)))
    else:
        visible = Q(
            Exists(
                CaseUserObjectPermission.objects.filter(
                    user=user, permission__codename=VIEW_PERMISSION, content_object=OuterRef("pk")
                )
            )
        )
    if supervisor:
        visible |= Q(**{f"{prefix}unit_id": user.unit_id})
    return visible


def visible_case_ids(user) -> QuerySet:
    """The ids of the cases ``user`` may see, as a subquery that reads indexes only: a
    supervisor's unit and grants (see ``case_visibility_q``), anyone else's grants."""
    if user.has_role(Role.SUPERVISOR) and user.unit_id is not None:
        return Case.objects.filter(case_visibility_q(user)).order_by().values("pk")
    return _granted_case_ids(user)


def visible_case_ids_as_set(user) -> QuerySet:
    """``visible_case_ids`` for a test of many rows against the set, each row probing it (an
    arm of an OR, which PostgreSQL hashes, or an ``ARRAY``): a supervisor's unit's case ids
    ``UNION ALL`` the granted ones. The first half is an index-only scan
    (``case_unit_priority_idx`` holds the unit and the id); as one condition (``unit_id = U OR
    id = ANY(grants)``) PostgreSQL read the unit's cases from the table, a bitmap heap scan, in
    each of the figures of a supervisor's dashboard (issue 26, margins). Not for an ``IN``
    that PostgreSQL turns into a join: it cannot estimate the union's rows and, at national
    scale, probed the cases one by one."""
    if user.has_role(Role.SUPERVISOR) and user.unit_id is not None:
        unit_cases = Case.objects.filter(unit_id=user.unit_id).order_by().values("pk")
        return unit_cases.union(_granted_case_ids(user), all=True)
    return _granted_case_ids(user)


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


def users_who_can_see_case(case: Case) -> QuerySet:
    """The active accounts ``case_visibility_q`` lets see ``case`` (the same two rules, seen
    from the case): holders of the view grant and supervisors of the case's unit."""
    granted = CaseUserObjectPermission.objects.filter(
        user=OuterRef("pk"), permission__codename=VIEW_PERMISSION, content_object=case
    )
    unit_supervisor = Q(unit_id=case.unit_id, groups__name=Role.SUPERVISOR)
    ids = User.objects.filter(Q(Exists(granted)) | unit_supervisor).values("pk")
    return User.objects.filter(pk__in=ids, is_active=True)


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
    known = getattr(case, "viewer_assigned", None)  # read with the case by ``case_view``
    if known is not None and known[0] == user.pk:
        return known[1]
    return CaseAssignment.objects.filter(case=case, user=user).exists()


def can_manage_case(user, case: Case) -> bool:
    """Status, priority, lead and assignments: the lead or a supervisor of the case's unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return case.lead_id == user.pk or is_unit_supervisor(user, case.unit_id)


def view_details(user, case: Case, **details) -> dict:
    """Details for a ``*.view`` audit event, marked ``outside_team`` when the viewer is neither
    on the case (lead, assignee) nor a supervisor of its unit — someone who sees it by a grant.
    The audit flags list only those views: the team's own work is not worth a second look."""
    if not (is_unit_supervisor(user, case.unit_id) or is_case_member(user, case)):
        details["outside_team"] = True
    return details


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

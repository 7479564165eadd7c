"""Who may change what under a case; shared by the service modules."""

from __future__ import annotations

from casework.accounts.choices import Role
from casework.core.errors import DomainError, NotFound

from ..models import Case
from ..selectors import can_manage_case, case_is_visible


def require_case_worker(actor, case: Case) -> None:
    """Writes under a case: someone who may see it (lead, assignee, unit supervisor, or an
    administrator granted access) with a working role. A case one cannot see is a 404."""
    if not case_is_visible(user=actor, case=case):
        raise NotFound(f"No case {case.number} that you can see.")
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DomainError("Only investigators and supervisors change cases.", status=403)


def require_case_manager(actor, case: Case) -> None:
    require_case_worker(actor, case)
    if not can_manage_case(actor, case):
        raise DomainError(
            f"Only the lead of {case.number} or a supervisor of its unit can do this.", status=403
        )


def require_not_closed(case: Case) -> None:
    if case.is_closed:
        raise DomainError(f"{case.number} is closed; it can no longer be changed.")


def lock_case(case: Case) -> Case:
    """Re-read the case row under a lock and refresh the caller's object from it, so two
    people changing one case at once are serialised and nobody acts on a stale status."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    for field in ("status", "priority", "lead_id", "closed_at", "title", "summary"):
        setattr(case, field, getattr(locked, field))
    return case

"""State changes of cases. Each function is one transaction and writes its audit event."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from casework.accounts.choices import Role
from casework.accounts.models import Unit, User
from casework.audit.services import audit_record
from casework.core.errors import DomainError

from .choices import Priority
from .models import Case, CaseAssignment, CaseNumberSequence
from .selectors import VIEW_PERMISSION


def _next_number(*, unit: Unit, year: int) -> tuple[int, str]:
    # The sequence row is locked until the transaction ends, so two investigators opening cases
    # at once get consecutive numbers, and a rolled-back opening gives its number back.
    sequence, _ = CaseNumberSequence.objects.select_for_update().get_or_create(unit=unit, year=year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value, f"{unit.case_prefix}-{year}-{sequence.last_value:06d}"


def _require_unit_investigator(user: User, unit: Unit, *, field: str) -> None:
    if (
        not user.is_active
        or user.unit_id != unit.pk
        or not user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
    ):
        raise DomainError(
            f"{user.get_username()} is not an active investigator of {unit.name}.", field=field
        )


@transaction.atomic
def case_open(
    *,
    actor: User,
    unit: Unit,
    title: str,
    lead: User,
    priority: str = Priority.P3,
    opened_at: datetime | None = None,
) -> Case:
    """Open a case in ``unit`` with the next gap-free number; the lead gets access."""
    title = title.strip()
    if not title:
        raise DomainError("Give the case a short neutral title.", field="title")
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", field="priority")
    if actor.unit_id != unit.pk or not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise DomainError(f"Only members of {unit.name} can open its cases.", status=403)
    _require_unit_investigator(lead, unit, field="lead")
    opened_at = opened_at or timezone.now()
    sequence, number = _next_number(unit=unit, year=opened_at.year)
    case = Case.objects.create(
        unit=unit,
        number=number,
        year=opened_at.year,
        sequence=sequence,
        title=title,
        priority=priority,
        lead=lead,
        opened_at=opened_at,
        created_by=actor,
    )
    assign_perm(f"cases.{VIEW_PERMISSION}", lead, case)
    audit_record(
        actor=actor,
        action="case.create",
        target=case,
        case_id=case.pk,
        changes={"number": [None, number], "title": [None, title], "lead": [None, lead.username]},
    )
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, user: User) -> CaseAssignment:
    """Assign an investigator of the case's unit; they gain access to the case."""
    _require_unit_investigator(user, case.unit, field="user")
    if CaseAssignment.objects.filter(case=case, user=user).exists():
        raise DomainError(f"{user.get_username()} is already assigned to {case}.", field="user")
    assignment = CaseAssignment.objects.create(case=case, user=user, assigned_by=actor)
    assign_perm(f"cases.{VIEW_PERMISSION}", user, case)
    audit_record(
        actor=actor,
        action="case.assign",
        target=case,
        case_id=case.pk,
        details={"user": user.get_username()},
    )
    return assignment


@transaction.atomic
def case_unassign(*, actor: User, case: Case, user: User) -> None:
    """Remove an assignee; they lose access unless they lead the case."""
    deleted, _ = CaseAssignment.objects.filter(case=case, user=user).delete()
    if not deleted:
        raise DomainError(f"{user.get_username()} is not assigned to {case}.", field="user")
    if case.lead_id != user.pk:
        remove_perm(f"cases.{VIEW_PERMISSION}", user, case)
    audit_record(
        actor=actor,
        action="case.unassign",
        target=case,
        case_id=case.pk,
        details={"user": user.get_username()},
    )

"""State changes of cases. Each function is one transaction and writes its audit event."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from casework.accounts.choices import Role
from casework.accounts.models import Unit, User
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent, normalise_identifier

from .choices import Priority
from .deconfliction import (
    DeconflictionMatch,
    identifier_deconflict,
    identifiers_deconflict_bulk,
)
from .models import Case, CaseAssignment, CaseIdentifier, CaseNumberSequence
from .selectors import VIEW_PERMISSION, case_is_visible

__all__ = [
    "DeconflictionMatch",
    "case_assign",
    "case_identifier_add",
    "case_open",
    "case_unassign",
    "identifier_deconflict",
    "identifiers_deconflict_bulk",
]


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
    events.publish("case.opened", case=case, actor=actor)
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


def _require_case_worker(actor: User, case: Case) -> None:
    """Writes under a case: only someone who may see it (lead, assignee, unit supervisor, or an
    administrator granted access) and who is an investigator, supervisor or administrator."""
    if not case_is_visible(user=actor, case=case):
        from casework.core.errors import NotFound

        raise NotFound(f"No case {case.number} that you can see.")
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DomainError("Only investigators and supervisors change cases.", status=403)


def _require_not_closed(case: Case) -> None:
    if case.is_closed:
        raise DomainError(f"{case.number} is closed; nothing can be added to it.")


@transaction.atomic
def case_identifier_add(
    *,
    actor: User,
    case: Case,
    kind: str,
    raw: str,
    service: str = "",
    device_kind: str = "",
    ip_event: str = "",
    observed_at: datetime | None = None,
    port: int | None = None,
    source_referral_id: int | None = None,
) -> CaseIdentifier:
    """Record an identifier on a case and deconflict it against every other case.

    The raw form is kept as given; the normal form is what is compared. The same identifier
    twice on one case is refused (409). The deconfliction matches are available afterwards as
    ``identifier.matches`` (a list of ``DeconflictionMatch``) so the caller can show them.
    """
    _require_case_worker(actor, case)
    _require_not_closed(case)
    if kind not in IdentifierKind.values:
        raise DomainError(f"Unknown identifier kind {kind!r}.", field="kind")
    if device_kind and device_kind not in DeviceIdKind.values:
        raise DomainError(f"Unknown device id type {device_kind!r}.", field="device_kind")
    if ip_event and ip_event not in IpEvent.values:
        raise DomainError(f"Unknown IP event {ip_event!r}.", field="ip_event")
    if kind != IdentifierKind.IP_ADDRESS and (ip_event or port is not None):
        raise DomainError("Event and port belong to IP addresses only.", field="ip_event")
    if port is not None and not 0 <= port <= 65535:
        raise DomainError("A port is a number from 0 to 65535.", field="port")
    raw = (raw or "").strip()
    normal = normalise_identifier(kind, raw, service=service, device_kind=device_kind)
    if len(raw) > 500 or len(normal) > 500:
        raise DomainError("An identifier has at most 500 characters.", field="value")
    if CaseIdentifier.objects.filter(case=case, kind=kind, normal_value=normal).exists():
        raise ConflictError(f"{case.number} already holds this identifier.", field="value")
    identifier = CaseIdentifier.objects.create(
        case=case,
        kind=kind,
        raw_value=raw,
        normal_value=normal,
        service=service.strip(),
        device_kind=device_kind if kind == IdentifierKind.DEVICE_ID else "",
        ip_event=ip_event,
        observed_at=observed_at,
        port=port,
        added_by=actor,
        source_referral_id=source_referral_id,
    )
    audit_record(
        actor=actor,
        action="case_identifier.create",
        target=identifier,
        case_id=case.pk,
        changes={"kind": [None, kind], "raw_value": [None, raw]},
        details={"source_referral_id": source_referral_id} if source_referral_id else None,
    )
    matches = identifier_deconflict(
        actor=actor,
        kind=kind,
        normal_value=normal,
        exclude_case=case,
        context_label=f"case {case.number}",
    )
    identifier.matches = matches
    if matches:
        events.publish("identifier.matched", identifier=identifier, matches=matches, actor=actor)
    return identifier

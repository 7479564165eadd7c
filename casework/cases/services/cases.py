"""State changes of cases. Each function is one transaction and writes its audit event."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from casework.accounts.choices import Role
from casework.accounts.models import Unit, User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import DomainError, FieldError

from ..choices import (
    CASE_TRANSITIONS,
    REQUESTABLE_OUTCOMES,
    CaseStatus,
    ClosureRequestStatus,
    Priority,
)
from ..closure import carried_keys, case_open_items
from ..models import Case, CaseAssignment, CaseClosureRequest, CaseNumberSequence
from ..selectors import VIEW_PERMISSION, is_unit_supervisor
from ._access import lock_case, require_case_manager, require_case_worker, require_not_closed


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
    template_id: int | None = None,
    incident_type_id: int | None = None,
) -> Case:
    """Open a case in ``unit`` with the next gap-free number; the lead gets access.

    ``template_id`` (a case template chosen by hand) and ``incident_type_id`` (the incident
    type of the referral the case comes from) travel with ``CaseOpened``: the case templates
    app, which sits above cases, applies the template they name in this transaction."""
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
    events.publish(
        events.CaseOpened(
            case=case, actor=actor, template_id=template_id, incident_type_id=incident_type_id
        )
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


@transaction.atomic
def case_update(
    *, actor: User, case: Case, title: str | None = None, summary: str | None = None
) -> Case:
    """Change the title or the neutral summary (lead or unit supervisor)."""
    require_case_manager(actor, case)
    lock_case(case)
    require_not_closed(case)
    changes: dict[str, list] = {}
    if title is not None:
        title = title.strip()
        if not title:
            raise DomainError("Give the case a short neutral title.", field="title")
        if title != case.title:
            changes["title"] = [case.title, title]
            case.title = title
    if summary is not None and summary.strip() != case.summary:
        changes["summary"] = [case.summary, summary.strip()]
        case.summary = summary.strip()
    if changes:
        case.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, action="case.update", target=case, case_id=case.pk, changes=changes
        )
    return case


@transaction.atomic
def case_change_status(*, actor: User, case: Case, status: str, reason: str = "") -> Case:
    """Move a case along ``CASE_TRANSITIONS``. Closing is not done here: it needs a
    supervisor's approval (``case_close_request`` then ``case_close_approve``)."""
    require_case_manager(actor, case)
    lock_case(case)
    if status not in CaseStatus.values:
        raise DomainError(f"Unknown status {status!r}.", field="status")
    if status == CaseStatus.CLOSED:
        raise DomainError(
            "Closing a case needs a supervisor's approval: request closure with a reason and "
            "an outcome.",
            field="status",
        )
    if status not in CASE_TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(CASE_TRANSITIONS[case.status] - {CaseStatus.CLOSED})) or "none"
        raise DomainError(
            f"A case that is {case.get_status_display().lower()} cannot become {status} "
            f"(allowed: {allowed}).",
            field="status",
        )
    before = case.status
    case.status = status
    case.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="case.status",
        target=case,
        case_id=case.pk,
        changes={"status": [before, status]},
        details={"reason": reason} if reason else None,
    )
    return case


@transaction.atomic
def case_change_priority(*, actor: User, case: Case, priority: str) -> Case:
    require_case_manager(actor, case)
    lock_case(case)
    require_not_closed(case)
    if priority not in Priority.values:
        raise DomainError(f"Unknown priority {priority!r}.", field="priority")
    if priority != case.priority:
        before = case.priority
        case.priority = priority
        case.save(update_fields=["priority", "updated_at"])
        audit_record(
            actor=actor,
            action="case.priority",
            target=case,
            case_id=case.pk,
            changes={"priority": [before, priority]},
        )
    return case


@transaction.atomic
def case_change_lead(*, actor: User, case: Case, lead: User) -> Case:
    """Hand the case to another investigator of its unit. The previous lead stays on the case
    as an assignee (keeping access to its history) until someone unassigns them."""
    require_case_manager(actor, case)
    lock_case(case)
    require_not_closed(case)
    _require_unit_investigator(lead, case.unit, field="lead")
    if lead.pk == case.lead_id:
        raise DomainError(f"{lead.get_username()} already leads {case.number}.", field="lead")
    previous = case.lead
    CaseAssignment.objects.filter(case=case, user=lead).delete()
    case.lead = lead
    case.save(update_fields=["lead", "updated_at"])
    assign_perm(f"cases.{VIEW_PERMISSION}", lead, case)
    CaseAssignment.objects.get_or_create(case=case, user=previous, defaults={"assigned_by": actor})
    audit_record(
        actor=actor,
        action="case.lead",
        target=case,
        case_id=case.pk,
        changes={"lead": [previous.get_username(), lead.get_username()]},
    )
    events.publish(events.CaseLeadChanged(case=case, previous=previous, actor=actor))
    return case


def _carry(open_items, carried: dict[str, str] | None) -> tuple[list[dict], list[FieldError]]:
    """Match each open item with its carry reason; an item with none is an error at
    ``carried.<key>`` naming the item. Reasons for items no longer open are dropped."""
    carried = {key: (reason or "").strip() for key, reason in (carried or {}).items()}
    kept, errors = [], []
    for item in open_items:
        if not item.blocking:
            continue
        reason = carried.get(item.key, "")
        if reason:
            kept.append(
                {
                    "key": item.key,
                    "group": item.group,
                    "label": item.label,
                    "due_at": item.due_at.isoformat() if item.due_at else None,
                    "reason": reason,
                }
            )
        else:
            errors.append(
                FieldError(
                    field=f"carried.{item.key}",
                    message=f"{item.text}: resolve it first, or carry it with a reason.",
                )
            )
    return kept, errors


@transaction.atomic
def case_close_request(
    *,
    actor: User,
    case: Case,
    reason: str,
    outcome: str,
    carried: dict[str, str] | None = None,
) -> CaseClosureRequest:
    """Ask a supervisor of the case's unit to close it, saying why and what came of it.

    Every open item (``closure.case_open_items``: deadlines with court dates first, tasks,
    partner requests, hand-overs, exhibits, hash mismatches) must be resolved first or carried
    with a reason (``carried`` maps an item's key to its reason); otherwise nothing is written
    and each unresolved item is a located error.
    """
    require_case_worker(actor, case)
    lock_case(case)
    require_not_closed(case)
    errors = []
    reason = (reason or "").strip()
    if not reason:
        errors.append(FieldError(field="reason", message="Say why the case can be closed."))
    if outcome not in dict(REQUESTABLE_OUTCOMES):
        errors.append(FieldError(field="outcome", message="Choose the outcome of the case."))
    kept, unresolved = _carry(case_open_items(case=case), carried)
    errors.extend(unresolved)
    if errors:
        raise DomainError(errors=errors)
    if CaseClosureRequest.objects.filter(case=case, status=ClosureRequestStatus.PENDING).exists():
        raise DomainError(f"Closure of {case.number} is already awaiting a supervisor.")
    request = CaseClosureRequest.objects.create(
        case=case, requested_by=actor, reason=reason, outcome=outcome, carried=kept
    )
    audit_record(
        actor=actor,
        action="case.close_request",
        target=case,
        case_id=case.pk,
        details={"outcome": outcome, "reason": reason, "carried": kept},
    )
    return request


def _pending_request(case: Case) -> CaseClosureRequest:
    request = (
        CaseClosureRequest.objects.select_for_update()
        .filter(case=case, status=ClosureRequestStatus.PENDING)
        .first()
    )
    if request is None:
        raise DomainError(f"Nobody has asked to close {case.number}: request closure first.")
    return request


def _require_deciding_supervisor(actor: User, case: Case, request: CaseClosureRequest) -> None:
    require_person(actor, "decide on closing a case")
    if not is_unit_supervisor(actor, case.unit_id):
        raise DomainError(
            f"Only a supervisor of {case.unit.name} can decide on closing {case.number}.",
            status=403,
        )
    if request.requested_by_id == actor.pk:
        raise DomainError("Another supervisor must decide on a closure you requested.", status=403)


@transaction.atomic
def case_close_approve(*, actor: User, case: Case, note: str = "") -> Case:
    """A supervisor of the unit approves the pending closure: the case is closed with the
    request's reason and outcome, and ``CaseClosed`` is published."""
    require_case_worker(actor, case)
    lock_case(case)
    require_not_closed(case)
    request = _pending_request(case)
    _require_deciding_supervisor(actor, case, request)
    # Decided on the case as it is now: anything opened since the request was not carried by
    # anyone, so it blocks until resolved (or the request is turned down and asked again).
    carried = carried_keys(request.carried)
    uncarried = [
        item for item in case_open_items(case=case) if item.blocking and item.key not in carried
    ]
    if uncarried:
        raise DomainError(
            errors=[
                FieldError(
                    field=f"carried.{item.key}",
                    message=f"{item.text}: opened or not carried since the request; "
                    "resolve it, or reject the request so it can be asked again.",
                )
                for item in uncarried
            ]
        )
    now = timezone.now()
    request.status = ClosureRequestStatus.APPROVED
    request.decided_by = actor
    request.decided_at = now
    request.decision_note = (note or "").strip()
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    before = case.status
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.closure_outcome = request.outcome
    case.closure_reason = request.reason
    case.save(
        update_fields=["status", "closed_at", "closure_outcome", "closure_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="case.close",
        target=case,
        case_id=case.pk,
        changes={"status": [before, CaseStatus.CLOSED]},
        details={
            "outcome": request.outcome,
            "requested_by": request.requested_by.get_username(),
            "note": request.decision_note,
            "carried": request.carried,
        },
    )
    events.publish(events.CaseClosed(case=case, actor=actor, carried=request.carried))
    return case


@transaction.atomic
def case_close_reject(*, actor: User, case: Case, note: str) -> CaseClosureRequest:
    """A supervisor of the unit turns the pending closure down, saying why; the case stays."""
    require_case_worker(actor, case)
    lock_case(case)
    request = _pending_request(case)
    _require_deciding_supervisor(actor, case, request)
    note = (note or "").strip()
    if not note:
        raise DomainError("Say why the case stays open.", field="note")
    request.status = ClosureRequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="case.close_reject",
        target=case,
        case_id=case.pk,
        details={"requested_by": request.requested_by.get_username(), "note": note},
    )
    return request

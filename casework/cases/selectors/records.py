"""One case and what hangs off it (identifiers, subjects, notes, tasks, victim records), each
read through the case's need-to-know; the case page and the victim records are audited views."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.context import with_reason
from casework.core.errors import DomainError, NotFound

from ..models import (
    Case,
    CaseAssignment,
    CaseIdentifier,
    CaseNote,
    CaseSubject,
    CaseTask,
    VictimRecord,
)
from .access import (
    can_see_victims,
    case_visibility_q,
    cases_visible_to,
    victim_visibility_q,
    view_details,
)


def case_view(*, user, number: str, tab: str = "overview") -> Case:
    """The case for display, audited as ``case.view`` (404 if it may not be seen)."""
    case = (
        cases_visible_to(user)
        .select_related("unit", "lead")
        .annotate(assigned=Exists(CaseAssignment.objects.filter(case=OuterRef("pk"), user=user)))
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound(f"No case {number} that you can see.")
    # Whether the viewer is on the team, read with the case: the audit event and the victims
    # tab ask, and each would otherwise ask the database again.
    case.viewer_assigned = (user.pk, case.assigned)
    audit_record(
        actor=user,
        action="case.view",
        target=case,
        case_id=case.pk,
        details=view_details(user, case, tab=tab),
    )
    return case


def case_assignees(case: Case) -> QuerySet:
    return (
        CaseAssignment.objects.filter(case=case).select_related("user").order_by("user__username")
    )


def case_identifiers_for(*, user, case: Case) -> QuerySet[CaseIdentifier]:
    return (
        CaseIdentifier.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("subject", "added_by")
        .order_by("kind", "id")
    )


def case_subjects_for(*, user, case: Case) -> QuerySet[CaseSubject]:
    return CaseSubject.objects.filter(case_visibility_q(user, prefix="case__"), case=case)


def case_notes_for(*, user, case: Case) -> QuerySet[CaseNote]:
    return (
        CaseNote.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("author", "corrects")
        .annotate(correction_count=Count("corrections"))
        .order_by("created_at", "id")
    )


def case_tasks_for(*, user, case: Case) -> QuerySet[CaseTask]:
    return (
        CaseTask.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("assignee", "done_by")
        .order_by(F("done_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "id")
    )


def victim_records_view(*, user, case: Case, reason: str) -> list[VictimRecord]:
    """The case's victim records, for the lead, assignees and unit supervisors only, after
    they state why (break-the-glass). Each view is one ``victim.view`` audit event carrying
    the reason; anyone else gets NotFound, and the attempt is not shown as existing."""
    reason = (reason or "").strip()
    if not can_see_victims(user, case):
        raise NotFound("No victim records that you can see.")
    if len(reason) < 4:
        raise DomainError("Say why you need to see the victim records.", field="reason")
    victims = list(
        VictimRecord.objects.filter(victim_visibility_q(user), case=case)
        .select_related("subject")
        .prefetch_related("safeguarding_actions__recorded_by")
        .order_by("subject__sequence")
    )
    with with_reason(reason):
        audit_record(
            actor=user,
            action="victim.view",
            object_type="cases.victimrecord",
            case_id=case.pk,
            details=view_details(user, case, victims=[v.pk for v in victims]),
        )
    return victims


def victim_record_get_for(*, user, case: Case, pk: int) -> VictimRecord:
    victim = (
        VictimRecord.objects.filter(victim_visibility_q(user), case=case, pk=pk)
        .select_related("subject", "case", "case__unit")
        .first()
    )
    if victim is None:
        raise NotFound("No victim record that you can see.")
    return victim


def case_task_get_for(*, user, case: Case, pk: int) -> CaseTask:
    task = (
        CaseTask.objects.filter(case_visibility_q(user, prefix="case__"), case=case, pk=pk)
        .select_related("case", "case__unit")
        .first()
    )
    if task is None:
        raise NotFound("No task that you can see.")
    return task


def case_note_get_for(*, user, case: Case, pk: int) -> CaseNote:
    note = CaseNote.objects.filter(
        case_visibility_q(user, prefix="case__"), case=case, pk=pk
    ).first()
    if note is None:
        raise NotFound("No note that you can see.")
    return note


def case_subject_get_for(*, user, case: Case, pk: int) -> CaseSubject:
    subject = CaseSubject.objects.filter(
        case_visibility_q(user, prefix="case__"), case=case, pk=pk
    ).first()
    if subject is None:
        raise NotFound("No subject that you can see.")
    return subject


def unit_investigators(unit_id: int | None) -> QuerySet:
    if unit_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            unit_id=unit_id,
            is_active=True,
            # Service accounts act through the API only; nobody assigns them work.
            is_service_account=False,
            groups__name__in=[Role.INVESTIGATOR, Role.SUPERVISOR],
        )
        .distinct()
        .order_by("username")
    )


def case_people(case: Case) -> QuerySet:
    """Lead and assignees: who tasks can go to."""
    return (
        User.objects.filter(Q(pk=case.lead_id) | Q(case_assignments__case=case), is_active=True)
        .distinct()
        .order_by("username")
    )


def case_open_tasks(case: Case, *, limit: int = 5) -> list[CaseTask]:
    return list(
        CaseTask.objects.filter(case=case, done_at__isnull=True)
        .select_related("assignee")
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )

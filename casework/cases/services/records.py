"""Subjects, protected victim records, append-only notes and tasks under a case."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.errors import DomainError, NotFound
from casework.privacy.texts import protect_texts

from ..choices import SubjectRole, VictimIdentification
from ..models import (
    Case,
    CaseAssignment,
    CaseNote,
    CaseSubject,
    CaseTask,
    SafeguardingAction,
    VictimRecord,
)
from ..selectors import can_see_victims
from ._access import lock_case, require_case_worker, require_not_closed

NOTE_MAX_LENGTH = 20_000


@transaction.atomic
def case_subject_add(*, actor: User, case: Case, role: str, description: str = "") -> CaseSubject:
    """Add a person to the case under the next pseudonym ("Subject A", "Subject B"…).

    A victim gets an (empty, unidentified) protected victim record at once, so the record's
    access rules apply from the first moment."""
    require_case_worker(actor, case)
    lock_case(case)  # serialises the pseudonym sequence per case
    require_not_closed(case)
    if role not in SubjectRole.values:
        raise DomainError(f"Choose suspect, victim or witness, not {role!r}.", field="role")
    description = (description or "").strip()
    if len(description) > 300:
        raise DomainError("Keep the description under 300 characters.", field="description")
    last = CaseSubject.objects.filter(case=case).aggregate(last=Max("sequence"))["last"] or 0
    subject = CaseSubject.objects.create(
        case=case,
        sequence=last + 1,
        role=role,
        created_by=actor,
        **protect_texts(CaseSubject, case.pk, description=description),
    )
    if role == SubjectRole.VICTIM:
        VictimRecord.objects.create(subject=subject, case=case)
    audit_record(
        actor=actor,
        action="case_subject.create",
        target=subject,
        case_id=case.pk,
        changes={"role": [None, role], "pseudonym": [None, subject.pseudonym]},
    )
    return subject


def _require_victim_access(actor: User, victim: VictimRecord) -> None:
    require_case_worker(actor, victim.case)
    if not can_see_victims(actor, victim.case):
        raise NotFound("No victim record that you can see.")


@transaction.atomic
def victim_record_update(
    *,
    actor: User,
    victim: VictimRecord,
    identification: str | None = None,
    icse_reference: str | None = None,
    national_reference: str | None = None,
) -> VictimRecord:
    """Record progress on identifying and safeguarding a victim (lead, assignees, supervisors).

    The times a victim was first identified and first safeguarded are kept: they are the
    unit's most important figures."""
    _require_victim_access(actor, victim)
    require_not_closed(victim.case)
    changes: dict[str, list] = {}
    changed_references: list[str] = []
    now = timezone.now()
    if identification is not None and identification != victim.identification:
        if identification not in VictimIdentification.values:
            raise DomainError(
                f"Unknown identification status {identification!r}.", field="identification"
            )
        changes["identification"] = [victim.identification, identification]
        victim.identification = identification
        if identification in (VictimIdentification.IDENTIFIED, VictimIdentification.SAFEGUARDED):
            victim.identified_at = victim.identified_at or now
        if identification == VictimIdentification.SAFEGUARDED:
            victim.safeguarded_at = victim.safeguarded_at or now
    for field, value in (
        ("icse_reference", icse_reference),
        ("national_reference", national_reference),
    ):
        if value is not None and value.strip() != getattr(victim, field):
            if len(value.strip()) > 100:
                raise DomainError("A reference has at most 100 characters.", field=field)
            # The ledger learns that a reference changed, never the reference (encrypted).
            changed_references.append(field)
            for name, ciphertext in protect_texts(
                VictimRecord, victim.case_id, **{field: value.strip()}
            ).items():
                setattr(victim, name, ciphertext)
    if changes or changed_references:
        victim.save()
        audit_record(
            actor=actor,
            action="victim.update",
            target=victim,
            case_id=victim.case_id,
            changes=changes,
            details={"references_changed": changed_references} if changed_references else None,
        )
    return victim


@transaction.atomic
def victim_safeguarding_add(
    *, actor: User, victim: VictimRecord, action: str, taken_at: datetime | None = None
) -> SafeguardingAction:
    _require_victim_access(actor, victim)
    require_not_closed(victim.case)
    action = (action or "").strip()
    if not action:
        raise DomainError("Say what was done to safeguard the victim.", field="action")
    if len(action) > 300:
        raise DomainError("Keep the action under 300 characters.", field="action")
    taken_at = taken_at or timezone.now()
    if taken_at > timezone.now():
        raise DomainError(
            "A safeguarding action is recorded once it has been taken.", field="taken_at"
        )
    record = SafeguardingAction.objects.create(
        victim=victim,
        case_id=victim.case_id,
        taken_at=taken_at,
        recorded_by=actor,
        **protect_texts(SafeguardingAction, victim.case_id, action=action),
    )
    audit_record(
        actor=actor,
        action="victim.safeguarding",
        target=victim,
        case_id=victim.case_id,
        # The words are encrypted; the ledger keeps when, not what.
        details={"taken_at": taken_at.isoformat()},
    )
    return record


@transaction.atomic
def case_note_add(
    *, actor: User, case: Case, body: str, corrects: CaseNote | None = None
) -> CaseNote:
    """Append a note to the case's log; ``corrects`` makes it a correction of an earlier
    note (which stays, marked as corrected). Notes are never edited or removed."""
    require_case_worker(actor, case)
    require_not_closed(case)
    body = (body or "").strip()
    if not body:
        raise DomainError("The note is empty.", field="body")
    if len(body) > NOTE_MAX_LENGTH:
        raise DomainError(f"Keep a note under {NOTE_MAX_LENGTH} characters.", field="body")
    if corrects is not None and corrects.case_id != case.pk:
        raise DomainError("A correction must point at a note of the same case.", field="corrects")
    note = CaseNote.objects.create(
        case=case,
        author=actor,
        corrects=corrects,
        created_at=timezone.now(),
        **protect_texts(CaseNote, case.pk, body=body),
    )
    audit_record(
        actor=actor,
        action="case_note.create",
        target=note,
        case_id=case.pk,
        details={"corrects": corrects.pk} if corrects is not None else None,
    )
    return note


def _require_task_assignee(case: Case, assignee: User | None) -> None:
    if assignee is None:
        return
    on_case = (
        assignee.pk == case.lead_id
        or CaseAssignment.objects.filter(case=case, user=assignee).exists()
    )
    if not on_case or not assignee.is_active:
        raise DomainError(
            f"{assignee.get_username()} is not on {case.number}: assign them to the case first.",
            field="assignee",
        )


@transaction.atomic
def case_task_add(
    *,
    actor: User,
    case: Case,
    title: str,
    assignee: User | None = None,
    due_at: datetime | None = None,
) -> CaseTask:
    require_case_worker(actor, case)
    require_not_closed(case)
    title = (title or "").strip()
    if not title:
        raise DomainError("Say what the task is.", field="title")
    if len(title) > 200:
        raise DomainError("Keep the title under 200 characters.", field="title")
    _require_task_assignee(case, assignee)
    task = CaseTask.objects.create(
        case=case, title=title, assignee=assignee, due_at=due_at, created_by=actor
    )
    audit_record(
        actor=actor,
        action="case_task.create",
        target=task,
        case_id=case.pk,
        changes={
            "title": [None, title],
            "assignee": [None, assignee.get_username() if assignee else None],
            "due_at": [None, due_at.isoformat() if due_at else None],
        },
    )
    return task


@transaction.atomic
def case_tasks_add_bulk(
    *, actor: User, case: Case, tasks: list[tuple[str, datetime | None]], source: str
) -> list[CaseTask]:
    """Add many unassigned tasks at once (a case template's, as the case opens): one INSERT
    and one audit event naming ``source`` and every title, rather than one of each per task.

    No access check: it runs inside ``case_open`` (through ``CaseOpened``), whose actor may
    open a case for another lead without seeing it afterwards; ``case_open`` checked them."""
    require_not_closed(case)
    rows = []
    for title, due_at in tasks:
        title = (title or "").strip()
        if not title or len(title) > 200:
            raise DomainError("Each task needs a title of at most 200 characters.", field="title")
        rows.append(CaseTask(case=case, title=title, due_at=due_at, created_by=actor))
    if not rows:
        return []
    created = CaseTask.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="case_task.create_bulk",
        target=case,
        case_id=case.pk,
        details={"source": source, "titles": [task.title for task in created]},
    )
    return created


@transaction.atomic
def case_task_complete(*, actor: User, task: CaseTask) -> CaseTask:
    require_case_worker(actor, task.case)
    require_not_closed(task.case)
    if task.is_done:
        raise DomainError("The task is already done.")
    task.done_at = timezone.now()
    task.done_by = actor
    task.save(update_fields=["done_at", "done_by", "updated_at"])
    audit_record(
        actor=actor,
        action="case_task.complete",
        target=task,
        case_id=task.case_id,
        changes={"done": [False, True]},
    )
    return task


@transaction.atomic
def case_task_reopen(*, actor: User, task: CaseTask) -> CaseTask:
    require_case_worker(actor, task.case)
    require_not_closed(task.case)
    if not task.is_done:
        raise DomainError("The task is not done.")
    task.done_at = None
    task.done_by = None
    task.save(update_fields=["done_at", "done_by", "updated_at"])
    audit_record(
        actor=actor,
        action="case_task.reopen",
        target=task,
        case_id=task.case_id,
        changes={"done": [True, False]},
    )
    return task

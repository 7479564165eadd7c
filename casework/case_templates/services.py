"""State changes of case templates and case checklists. Each function is one transaction and
writes its audit event; views, API, event handlers and the demo call these, never ``save()``.

Threat addressed: a checklist that anyone could tick, or that ticked itself silently, would tell
a supervisor a step was done when nobody did it. So only the people who work a case may resolve
its items, "not applicable" needs a reason, a closed case's checklist is frozen, and an item the
system ticks names the record that proves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from casework.accounts.choices import Role
from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.cases.selectors import case_is_visible
from casework.cases.services import case_tasks_add_bulk
from casework.core.errors import DomainError, FieldError, NotFound
from casework.core.validation import check_integer, clean_text
from casework.deadlines.models import DeadlineRule
from casework.deadlines.services import deadlines_start_for_case

from .choices import EVIDENCE_LABELS, TEMPLATE_CLOCK_EXCLUDED, ChecklistState
from .models import (
    CaseTemplate,
    CaseTemplateUse,
    CaseTemplateVersion,
    ChecklistItem,
    TemplateChecklistItem,
    TemplateClock,
    TemplateTask,
)

TEMPLATE_SOURCE = "case_template"
MAX_ROWS = 100  # per part of one template: more is a list nobody reads
MAX_DUE_DAYS = 3650


@dataclass(frozen=True)
class TaskSpec:
    title: str
    due_days: int | None = None


@dataclass(frozen=True)
class ChecklistSpec:
    statement: str
    evidence: str = ""
    due_days: int | None = None


# --- Templates ---------------------------------------------------------------------------------


def _require_administrator(actor) -> None:
    if not (actor.is_active and actor.has_role(Role.ADMINISTRATOR)):
        raise DomainError("Only administrators edit case templates.", status=403)


def _due_days(value, *, field: str, position: int, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return check_integer(value, field=field, minimum=0, maximum=MAX_DUE_DAYS)
    except DomainError as error:
        raise DomainError(f"{what} {position}: {error.text}", field=field) from None


def _clean_tasks(tasks) -> list[TaskSpec]:
    cleaned = []
    for position, task in enumerate(tasks, start=1):
        try:
            title = clean_text(task.title, field="tasks", max_length=200, required=True)
        except DomainError as error:
            raise DomainError(f"Task {position}: {error.text}", field="tasks") from None
        due = _due_days(task.due_days, field="tasks", position=position, what="Task")
        cleaned.append(TaskSpec(title=title, due_days=due))
    if len(cleaned) > MAX_ROWS:
        raise DomainError(f"Keep to {MAX_ROWS} tasks.", field="tasks")
    return cleaned


def _clean_checklist(items) -> list[ChecklistSpec]:
    cleaned = []
    for position, item in enumerate(items, start=1):
        try:
            statement = clean_text(item.statement, field="checklist", max_length=300, required=True)
        except DomainError as error:
            raise DomainError(f"Item {position}: {error.text}", field="checklist") from None
        if item.evidence and item.evidence not in EVIDENCE_LABELS:
            raise DomainError(
                f"Item {position}: {item.evidence!r} is not a kind of evidence Casework records.",
                field="checklist",
            )
        due = _due_days(item.due_days, field="checklist", position=position, what="Item")
        cleaned.append(ChecklistSpec(statement=statement, evidence=item.evidence, due_days=due))
    if len(cleaned) > MAX_ROWS:
        raise DomainError(f"Keep to {MAX_ROWS} checklist items.", field="checklist")
    return cleaned


def _clean_rules(rules) -> list[DeadlineRule]:
    cleaned = []
    for rule in rules:
        if not rule.active or rule.kind in TEMPLATE_CLOCK_EXCLUDED or rule.needs_due_at:
            raise DomainError(
                f"{rule} cannot start on its own when a case opens: choose an active rule with "
                "a duration (court dates and the case review are not template clocks).",
                field="clocks",
            )
        if rule not in cleaned:
            cleaned.append(rule)
    if len(cleaned) > MAX_ROWS:
        raise DomainError(f"Keep to {MAX_ROWS} clocks.", field="clocks")
    return cleaned


def _content(version: CaseTemplateVersion | None) -> tuple:
    if version is None:
        return ((), (), ())
    return (
        tuple((t.title, t.due_days) for t in version.tasks.all()),
        tuple(c.rule_id for c in version.clocks.all()),
        tuple((i.statement, i.evidence, i.due_days) for i in version.checklist_items.all()),
    )


@transaction.atomic
def case_template_save(
    *,
    actor,
    template: CaseTemplate | None = None,
    name: str,
    incident_type=None,
    active: bool = True,
    tasks: list[TaskSpec],
    clocks: list[DeadlineRule],
    checklist: list[ChecklistSpec],
    note: str = "",
) -> CaseTemplate:
    """Create a template, or change one: a change of its tasks, clocks or checklist writes a
    new version that cases opened from now on get; cases already opened keep theirs.

    Refuses (writing nothing) a name in use, a second active template for one incident type,
    a clock whose rule has no duration, an evidence kind Casework does not record."""
    _require_administrator(actor)
    cleaned = _clean_template(
        template=template,
        name=name,
        incident_type=incident_type,
        active=active,
        tasks=tasks,
        clocks=clocks,
        checklist=checklist,
        note=note,
    )
    created = template is None
    if created:
        template = CaseTemplate(created_by=actor)
    else:
        template = CaseTemplate.objects.select_for_update().get(pk=template.pk)
    changes = _set_template_fields(
        template, name=cleaned["name"], incident_type=incident_type, active=active, created=created
    )
    current = (
        CaseTemplateVersion.objects.prefetch_related("tasks", "clocks", "checklist_items").get(
            pk=template.current_version_id
        )
        if template.current_version_id
        else None
    )
    content = (
        tuple((t.title, t.due_days) for t in cleaned["tasks"]),
        tuple(rule.pk for rule in cleaned["clocks"]),
        tuple((i.statement, i.evidence, i.due_days) for i in cleaned["checklist"]),
    )
    if current is None or _content(current) != content:
        version = _write_version(actor=actor, template=template, cleaned=cleaned, after=current)
        template.current_version = version
        template.save(update_fields=["current_version", "updated_at"])
        changes["version"] = [current.number if current else None, version.number]
    if changes:
        audit_record(
            actor=actor,
            action="case_template.create" if created else "case_template.update",
            target=template,
            changes=changes,
            details={
                "tasks": len(content[0]),
                "clocks": len(content[1]),
                "checklist": len(content[2]),
                "note": cleaned["note"],
            },
        )
    return template


def _clean_template(
    *, template, name, incident_type, active, tasks, clocks, checklist, note
) -> dict:
    """Every part checked and every problem reported together, before anything is written."""
    errors: list[FieldError] = []
    cleaned: dict = {}
    for key, check in (
        ("name", lambda: clean_text(name, field="name", max_length=200, required=True)),
        ("note", lambda: clean_text(note, field="note", max_length=300)),
        ("tasks", lambda: _clean_tasks(tasks)),
        ("clocks", lambda: _clean_rules(clocks)),
        ("checklist", lambda: _clean_checklist(checklist)),
    ):
        try:
            cleaned[key] = check()
        except DomainError as error:
            errors.extend(error.errors)
    if "name" in cleaned:
        same_name = CaseTemplate.objects.filter(name__iexact=cleaned["name"])
        if template is not None:
            same_name = same_name.exclude(pk=template.pk)
        if same_name.exists():
            errors.append(FieldError("name", f"A template is already called {cleaned['name']}."))
    if active and incident_type is not None:
        rival = CaseTemplate.objects.filter(active=True, incident_type=incident_type)
        if template is not None:
            rival = rival.exclude(pk=template.pk)
        rival = rival.first()
        if rival is not None:
            errors.append(
                FieldError(
                    "incident_type",
                    f"{rival.name} is already the active template for {incident_type}: retire "
                    "it first, or leave the incident type empty.",
                )
            )
    if errors:
        raise DomainError(errors=errors)
    return cleaned


def _set_template_fields(template, *, name, incident_type, active, created) -> dict:
    """Saves the template's own fields; their changes, as the audit event records them."""
    before = {
        "name": template.name,
        "incident_type": str(template.incident_type) if template.incident_type_id else None,
        "active": template.active,
    }
    template.name = name
    template.incident_type = incident_type
    template.active = active
    template.save()
    return {
        field: [before[field], value]
        for field, value in (
            ("name", template.name),
            ("incident_type", str(incident_type) if incident_type is not None else None),
            ("active", active),
        )
        if created or before[field] != value
    }


def _write_version(*, actor, template, cleaned, after) -> CaseTemplateVersion:
    version = CaseTemplateVersion.objects.create(
        template=template,
        number=(after.number + 1) if after else 1,
        created_at=timezone.now(),
        created_by=actor,
        note=cleaned["note"],
    )
    TemplateTask.objects.bulk_create(
        TemplateTask(version=version, position=n, title=t.title, due_days=t.due_days)
        for n, t in enumerate(cleaned["tasks"], start=1)
    )
    TemplateClock.objects.bulk_create(
        TemplateClock(version=version, position=n, rule=rule)
        for n, rule in enumerate(cleaned["clocks"], start=1)
    )
    TemplateChecklistItem.objects.bulk_create(
        TemplateChecklistItem(
            version=version,
            position=n,
            statement=i.statement,
            evidence=i.evidence,
            due_days=i.due_days,
        )
        for n, i in enumerate(cleaned["checklist"], start=1)
    )
    return version


# --- Applying a template to a case --------------------------------------------------------------


def template_version_for_case(
    *, template_id: int | None = None, incident_type_id: int | None = None
) -> CaseTemplateVersion | None:
    """The version a new case gets: the chosen template's current one, else the incident
    type's active template's; ``None`` when neither applies. A chosen template that is
    unknown or retired is refused (the case is not opened without the steps asked for)."""
    if template_id:
        template = (
            CaseTemplate.objects.filter(pk=template_id, active=True, current_version__isnull=False)
            .select_related("current_version")
            .first()
        )
        if template is None:
            raise DomainError("Choose an active case template, or none.", field="template")
        return _with_template(template)
    if incident_type_id:
        template = (
            CaseTemplate.objects.filter(
                incident_type_id=incident_type_id, active=True, current_version__isnull=False
            )
            .select_related("current_version")
            .first()
        )
        return _with_template(template) if template is not None else None
    return None


def _with_template(template: CaseTemplate) -> CaseTemplateVersion:
    version = template.current_version
    version.template = template  # already read: spare the opening a query
    return version


@transaction.atomic
def case_template_apply(*, actor, case: Case, version: CaseTemplateVersion) -> CaseTemplateUse:
    """Give a newly opened case the version's tasks, clocks and checklist, and record which
    version it was. Called when the case opens (``CaseOpened``), in that transaction: a clock
    that cannot start rolls the opening back rather than leaving a case without its steps."""
    # One template per case: the one-to-one on ``CaseTemplateUse.case`` refuses a second.
    template = version.template
    use = CaseTemplateUse.objects.create(
        case=case, version=version, applied_at=timezone.now(), applied_by=actor
    )
    opened = case.opened_at
    tasks = list(version.tasks.all())
    case_tasks_add_bulk(
        actor=actor,
        case=case,
        tasks=[
            (t.title, opened + timedelta(days=t.due_days) if t.due_days is not None else None)
            for t in tasks
        ],
        source=f"template {template.name} v{version.number}",
    )
    note = f"From the case template {template.name} (version {version.number})."
    clocks = list(version.clocks.select_related("rule"))
    deadlines_start_for_case(
        actor=actor,
        case=case,
        rules=[clock.rule for clock in clocks],
        source_type=TEMPLATE_SOURCE,
        source_ids=[f"{version.pk}:{clock.position}" for clock in clocks],
        note=note,
    )
    items = list(version.checklist_items.all())
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            case=case,
            template=template,
            template_item=item,
            position=item.position,
            statement=item.statement,
            evidence=item.evidence,
            due_at=opened + timedelta(days=item.due_days) if item.due_days is not None else None,
        )
        for item in items
    )
    audit_record(
        actor=actor,
        action="case.template_apply",
        target=case,
        case_id=case.pk,
        details={
            "template": template.name,
            "version": version.number,
            "tasks": len(tasks),
            "clocks": len(clocks),
            "checklist": len(items),
        },
    )
    return use


# --- Checklists -------------------------------------------------------------------------------


def _require_case_worker(actor, case: Case) -> None:
    if not case_is_visible(user=actor, case=case):
        raise NotFound(f"No case {case.number} that you can see.")
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DomainError("Only investigators and supervisors work a case's checklist.", status=403)
    if case.is_closed:
        raise DomainError(f"{case.number} is closed; its checklist can no longer change.")


@transaction.atomic
def checklist_item_resolve(
    *, actor, item: ChecklistItem, state: str, reason: str = ""
) -> ChecklistItem:
    """Mark an item done, not applicable (with a reason), or not done again."""
    item = ChecklistItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    _require_case_worker(actor, item.case)
    if state not in ChecklistState.values:
        raise DomainError("Choose done, not done or not applicable.", field="state")
    reason = clean_text(reason, field="reason", max_length=2000, multiline=True)
    if state == ChecklistState.NOT_APPLICABLE and not reason:
        raise DomainError("Say why this does not apply to the case.", field="reason")
    if state == item.state and reason == item.reason:
        return item
    before = [item.state, item.reason]
    item.state = state
    item.reason = reason if state == ChecklistState.NOT_APPLICABLE else ""
    item.automatic = False
    if state == ChecklistState.OPEN:
        item.resolved_at = None
        item.resolved_by = None
        item.evidence_type = item.evidence_id = item.evidence_label = ""
    else:
        item.resolved_at = timezone.now()
        item.resolved_by = actor
    item.save()
    audit_record(
        actor=actor,
        action="checklist_item.resolve",
        target=item,
        case_id=item.case_id,
        changes={"state": [before[0], state], "reason": [before[1], item.reason]},
        details={"statement": item.statement},
    )
    return item


@transaction.atomic
def checklist_items_tick(
    *, actor, case_id: int, evidence: str, evidence_type: str, evidence_id: str, label: str
) -> int:
    """Tick every open item of the case that waits for ``evidence``, linking the record that
    proves it. Called by the event handlers when the record is written; returns how many."""
    items = list(
        ChecklistItem.objects.select_for_update()
        .filter(case_id=case_id, evidence=evidence, state=ChecklistState.OPEN)
        .order_by("position")
    )
    if not items:
        return 0
    now = timezone.now()
    for item in items:
        item.state = ChecklistState.DONE
        item.automatic = True
        item.resolved_at = now
        item.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
        item.evidence_type, item.evidence_id = evidence_type, str(evidence_id)[:100]
        item.evidence_label = label[:200]
        item.updated_at = now
    ChecklistItem.objects.bulk_update(
        items,
        [
            "state",
            "automatic",
            "resolved_at",
            "resolved_by",
            "evidence_type",
            "evidence_id",
            "evidence_label",
            "updated_at",
        ],
    )
    for item in items:
        audit_record(
            actor=actor,
            action="checklist_item.tick",
            target=item,
            case_id=case_id,
            changes={"state": [ChecklistState.OPEN, ChecklistState.DONE]},
            details={"evidence": f"{evidence_type}:{evidence_id}", "statement": item.statement},
        )
    return len(items)


@transaction.atomic
def checklist_items_move_case(*, actor, duplicate, original) -> int:
    """A merge (``CaseMerged``): the duplicate's checklist items join the original's, after
    them; the duplicate keeps the record of the template version it was opened with."""
    offset = (
        ChecklistItem.objects.filter(case=original).aggregate(last=Max("position"))["last"] or 0
    )
    moved = ChecklistItem.objects.filter(case=duplicate).update(
        case=original, position=F("position") + offset
    )
    if moved:
        audit_record(
            actor=actor,
            action="checklist_item.move",
            target=original,
            case_id=original.pk,
            details={"from": duplicate.number, "items": moved},
        )
    return moved

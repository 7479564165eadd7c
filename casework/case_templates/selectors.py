"""Reads of case templates and case checklists, decided here.

Threat: a checklist tells what was done on a case (a preservation sent, an exhibit submitted);
it is case content. So a case's checklist is read through the case's need-to-know
(``case_visibility_q``): someone who may not see the case gets a 404, never its items.
Templates themselves are procedure, not case content: workers read them (to choose one when
opening a case), administrators edit them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from casework.accounts.choices import Role
from casework.cases.closure import OpenItem
from casework.cases.models import Case
from casework.cases.selectors import CaseFact, CaseSection, case_visibility_q
from casework.core.errors import NotFound

from .choices import ChecklistState
from .models import (
    CaseTemplate,
    CaseTemplateUse,
    CaseTemplateVersion,
    ChecklistItem,
    TemplateChecklistItem,
    TemplateClock,
)

TEMPLATE_READERS = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.INVESTIGATOR)


def can_read_templates(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(*TEMPLATE_READERS))


def can_edit_templates(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(Role.ADMINISTRATOR))


def templates_for(user) -> QuerySet[CaseTemplate]:
    if not can_read_templates(user):
        return CaseTemplate.objects.none()
    return CaseTemplate.objects.select_related("incident_type", "current_version").order_by(
        "-active", "name"
    )


def template_get_for(*, user, pk: int) -> CaseTemplate:
    template = templates_for(user).filter(pk=pk).first()
    if template is None:
        raise NotFound("No such case template.")
    return template


def version_content(version: CaseTemplateVersion | None) -> CaseTemplateVersion | None:
    """The version with its tasks, clocks (and their rules) and checklist, in three queries."""
    if version is None:
        return None
    return (
        CaseTemplateVersion.objects.filter(pk=version.pk)
        .prefetch_related(
            "tasks",
            Prefetch("clocks", queryset=TemplateClock.objects.select_related("rule")),
            Prefetch("checklist_items", queryset=TemplateChecklistItem.objects.all()),
        )
        .get()
    )


def template_versions(*, user, template: CaseTemplate) -> QuerySet[CaseTemplateVersion]:
    """The template's versions, newest first, each with how many of the cases ``user`` may see
    were opened with it: templates are shared by every unit, their cases are not (a count of
    all of them told anyone signed in that another unit had opened a case)."""
    return (
        template.versions.select_related("created_by")
        .annotate(case_count=Count("uses", filter=case_visibility_q(user, prefix="uses__case__")))
        .order_by("-number")
    )


def template_choices(*, user) -> list[tuple[str, str]]:
    """Active templates as (id, label) for the case-opening form."""
    if not can_read_templates(user):
        return []
    return [
        (str(t.pk), f"{t.name} (version {t.current_version.number})")
        for t in CaseTemplate.objects.filter(active=True, current_version__isnull=False)
        .select_related("current_version")
        .order_by("name")
    ]


# --- A case's checklist ------------------------------------------------------------------------


def checklist_for(*, user, case: Case) -> QuerySet[ChecklistItem]:
    return (
        ChecklistItem.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("resolved_by")
        .order_by("position")
    )


def checklist_item_get_for(*, user, case: Case, pk: int) -> ChecklistItem:
    item = checklist_for(user=user, case=case).filter(pk=pk).select_related("case").first()
    if item is None:
        raise NotFound("No checklist item that you can see.")
    return item


def template_use_for(case: Case) -> CaseTemplateUse | None:
    return (
        CaseTemplateUse.objects.filter(case=case)
        .select_related("version", "version__template")
        .first()
    )


def evidence_url(item: ChecklistItem) -> str:
    """Where the record that ticked the item lives (its page checks access again)."""
    names = {
        "request": ("partners:request", item.evidence_id),
        "custody": ("custody:item", item.evidence_id),
        "deadline": ("deadlines:detail", item.evidence_id),
    }
    if item.evidence_type not in names:
        return ""
    name, arg = names[item.evidence_type]
    try:
        return reverse(name, args=[arg])
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class ChecklistRow:
    item: ChecklistItem
    evidence_url: str
    overdue: bool


def checklist_rows(*, user, case: Case) -> list[ChecklistRow]:
    now = timezone.now()
    return [
        ChecklistRow(
            item=item,
            evidence_url=evidence_url(item),
            overdue=item.is_open and item.due_at is not None and item.due_at <= now,
        )
        for item in checklist_for(user=user, case=case)
    ]


def case_section(*, user, case: Case) -> CaseSection:
    """The checklist panel of the case page: one query for a case opened without a template
    (it has no items), two with one (the items, then the version they came from)."""
    rows = checklist_rows(user=user, case=case)
    use = template_use_for(case) if rows else None
    open_rows = [row for row in rows if row.item.is_open]
    facts = []
    if rows:
        overdue = sum(row.overdue for row in open_rows)
        facts.append(
            CaseFact(
                label="Checklist",
                text=f"{len(rows) - len(open_rows)} of {len(rows)} resolved"
                + (f", {overdue} overdue" if overdue else ""),
                url="#checklist",
                alert=bool(overdue),
            )
        )
    return CaseSection(
        order=5,
        anchor="checklist",
        title="Checklist",
        template="case_templates/_case_section.html",
        context={"use": use, "rows": rows, "open_count": len(open_rows)},
        facts=facts,
    )


def case_open_items(*, case: Case) -> list[OpenItem]:
    """Checklist items neither done nor marked not applicable, for the closure checklist."""
    url = reverse("cases:detail", args=[case.number]) + "#checklist"
    now = timezone.now()
    return [
        OpenItem(
            key=f"checklist:{pk}",
            group="checklist",
            label=f"Checklist “{statement}”",
            url=url,
            due_at=due_at,
            overdue=due_at is not None and due_at <= now,
        )
        for pk, statement, due_at in ChecklistItem.objects.filter(
            case=case, state=ChecklistState.OPEN
        )
        .order_by("position")
        .values_list("pk", "statement", "due_at")
    ]


# --- Oversight --------------------------------------------------------------------------------


def checklist_outcomes(*, items: QuerySet[ChecklistItem], now) -> list[dict]:
    """Per template and item: how many cases did it on time, late, skipped it, or still have
    it open (overdue or not). "Late" is done after its due time; "skipped" is marked not
    applicable, or left open on a case that was closed."""
    on_time = Q(state=ChecklistState.DONE) & (
        Q(due_at__isnull=True) | Q(resolved_at__lte=F("due_at"))
    )
    late = Q(state=ChecklistState.DONE, due_at__isnull=False, resolved_at__gt=F("due_at"))
    skipped = Q(state=ChecklistState.NOT_APPLICABLE) | Q(
        state=ChecklistState.OPEN, case__closed_at__isnull=False
    )
    open_now = Q(state=ChecklistState.OPEN, case__closed_at__isnull=True)
    overdue = open_now & Q(due_at__lte=now)
    return list(
        items.values("template__name", "template_item__position", "statement")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            skipped=Count("pk", filter=skipped),
            open=Count("pk", filter=open_now),
            overdue=Count("pk", filter=overdue),
        )
        .order_by("template__name", "template_item__position", "statement")
    )

"""Forms of the template pages and the case checklist. They shape input; services decide."""

from __future__ import annotations

from django import forms

from casework.core.forms import CaseworkForm
from casework.deadlines.models import DeadlineRule
from casework.referrals.models import IncidentType

from .choices import EVIDENCE_LABELS, TEMPLATE_CLOCK_EXCLUDED, ChecklistState
from .services import ChecklistSpec, TaskSpec


def eligible_rules():
    """Rules a template may start: active, with a duration, not a clock every case has."""
    rules = DeadlineRule.objects.filter(active=True).exclude(kind__in=TEMPLATE_CLOCK_EXCLUDED)
    return [
        rule for rule in rules.order_by("kind", "jurisdiction", "priority") if not rule.needs_due_at
    ]


def _parts(line: str) -> list[str]:
    return [part.strip() for part in line.split("|")]


def _days(text: str, number: int, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise forms.ValidationError(
            f"{what} {number}: after “|” give the number of days from opening, e.g. “| 14”."
        )
    return int(text)


def tasks_from_text(text: str) -> list[TaskSpec]:
    tasks = []
    for number, line in enumerate(filter(None, map(str.strip, text.splitlines())), start=1):
        parts = _parts(line)
        if len(parts) > 2:
            raise forms.ValidationError(f"Task {number}: write “title | days”, one “|” at most.")
        tasks.append(
            TaskSpec(
                title=parts[0], due_days=_days(parts[1] if len(parts) > 1 else "", number, "Task")
            )
        )
    return tasks


def checklist_from_text(text: str) -> list[ChecklistSpec]:
    items = []
    for number, line in enumerate(filter(None, map(str.strip, text.splitlines())), start=1):
        parts = [*_parts(line), "", ""][:3]
        if line.count("|") > 2:
            raise forms.ValidationError(
                f"Item {number}: write “statement | evidence | days”, two “|” at most."
            )
        statement, evidence, days = parts
        if evidence.isdigit() and not days:
            evidence, days = "", evidence
        if evidence and evidence not in EVIDENCE_LABELS:
            raise forms.ValidationError(
                f"Item {number}: “{evidence}” is not one of the kinds of evidence listed below."
            )
        items.append(
            ChecklistSpec(
                statement=statement, evidence=evidence, due_days=_days(days, number, "Item")
            )
        )
    return items


def tasks_to_text(version) -> str:
    return "\n".join(
        f"{t.title} | {t.due_days}" if t.due_days is not None else t.title
        for t in version.tasks.all()
    )


def checklist_to_text(version) -> str:
    lines = []
    for item in version.checklist_items.all():
        parts = [item.statement, item.evidence, "" if item.due_days is None else str(item.due_days)]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class CaseTemplateForm(CaseworkForm):
    name = forms.CharField(label="Name", max_length=200)
    incident_type = forms.ModelChoiceField(
        label="Incident type",
        queryset=IncidentType.objects.filter(active=True),
        required=False,
        empty_label="None: chosen by hand only",
        help_text="Accepting a referral of this type opens its case with this template.",
    )
    active = forms.BooleanField(
        label="Active: offered when opening a case", required=False, initial=True
    )
    tasks = forms.CharField(
        label="Tasks",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One task a line; add “| 14” for a task due 14 days after the case opens.",
    )
    clocks = forms.MultipleChoiceField(
        label="Clocks started when the case opens",
        required=False,
        widget=forms.CheckboxSelectMultiple(),
        help_text="Each runs by its rule in the deadlines engine.",
    )
    checklist = forms.CharField(
        label="Checklist",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One statement a line; optionally “| evidence” that ticks it (codes below) "
        "and “| days” by when it is due.",
    )
    note = forms.CharField(label="What changed, and why (optional)", required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # USWDS checkboxes; the shared widget templates have no multiple-choice one.
        self.fields["clocks"].widget.template_name = "case_templates/widgets/checkboxes.html"
        self.rules = {str(rule.pk): rule for rule in eligible_rules()}
        self.fields["clocks"].choices = [
            (pk, f"{rule} — {rule.duration_label}") for pk, rule in self.rules.items()
        ]

    def clean_tasks(self):
        return tasks_from_text(self.cleaned_data.get("tasks") or "")

    def clean_checklist(self):
        return checklist_from_text(self.cleaned_data.get("checklist") or "")

    def clean_clocks(self):
        return [self.rules[pk] for pk in self.cleaned_data.get("clocks") or []]


class ChecklistResolveForm(CaseworkForm):
    state = forms.ChoiceField(label="The item is", choices=ChecklistState.choices)
    reason = forms.CharField(
        label="Why it does not apply",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

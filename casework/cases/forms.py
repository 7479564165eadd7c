"""Forms of the case pages. They only shape input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from casework.core.forms import CaseworkForm
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent

from .choices import (
    REQUESTABLE_OUTCOMES,
    CaseStatus,
    Priority,
    SubjectRole,
    VictimIdentification,
)

BLANK = [("", "Any")]


class CaseFilterForm(CaseworkForm):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Case number, words of the title, or an identifier (e-mail, IP, phone…).",
    )
    status = forms.ChoiceField(label="Status", required=False, choices=BLANK + CaseStatus.choices)
    priority = forms.ChoiceField(label="Priority", required=False, choices=BLANK + Priority.choices)


class CaseOpenForm(CaseworkForm):
    title = forms.CharField(label="Title (neutral)", max_length=200)
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices, initial=Priority.P3)
    lead = forms.ModelChoiceField(label="Lead investigator", queryset=None)
    template = forms.ChoiceField(
        label="Case template",
        required=False,
        help_text="Its tasks, clocks and checklist are added as the case opens.",
    )

    def __init__(self, *args, investigators, template_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = investigators
        if template_choices:
            self.fields["template"].choices = [("", "No template"), *template_choices]
        else:
            del self.fields["template"]


class CaseEditForm(CaseworkForm):
    title = forms.CharField(label="Title (neutral)", max_length=200)
    summary = forms.CharField(
        label="Summary (neutral, no description of content)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class StatusForm(CaseworkForm):
    status = forms.ChoiceField(
        label="New status", choices=[c for c in CaseStatus.choices if c[0] != CaseStatus.CLOSED]
    )
    reason = forms.CharField(label="Why (optional)", required=False, max_length=500)


class PriorityForm(CaseworkForm):
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices)


class PersonForm(CaseworkForm):
    user = forms.ModelChoiceField(label="Investigator", queryset=None)

    def __init__(self, *args, people, label: str = "Investigator", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["user"].label = label


class CloseRequestForm(CaseworkForm):
    outcome = forms.ChoiceField(label="Outcome", choices=REQUESTABLE_OUTCOMES)
    reason = forms.CharField(label="Reason for closing", widget=forms.Textarea(attrs={"rows": 3}))


class ClosureChecklistForm(CloseRequestForm):
    """The closure request with one "carry" reason per open item that blocks closing. A field
    left empty means "I have not resolved this": the service then refuses, naming the item."""

    def __init__(self, *args, open_items=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.open_items = list(open_items)
        for item in self.open_items:
            if item.blocking:
                self.fields[f"carried.{item.key}"] = forms.CharField(
                    label=f"Reason to carry: {item.text}",
                    required=False,
                    max_length=500,
                )

    def carried(self) -> dict[str, str]:
        return {
            name.removeprefix("carried."): value
            for name, value in self.cleaned_data.items()
            if name.startswith("carried.") and value
        }

    def rows(self):
        """Each open item beside its field (None for those closing ends by itself)."""
        return [
            (item, self[f"carried.{item.key}"] if item.blocking else None)
            for item in self.open_items
        ]


class CloseDecisionForm(CaseworkForm):
    note = forms.CharField(
        label="Note (required when rejecting)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IdentifierForm(CaseworkForm):
    kind = forms.ChoiceField(label="Kind", choices=IdentifierKind.choices)
    raw = forms.CharField(label="Value, as the source gave it", max_length=500)
    service = forms.CharField(
        label="Service (for screen names and account ids)", required=False, max_length=100
    )
    device_kind = forms.ChoiceField(
        label="Device id type", required=False, choices=[("", "—"), *DeviceIdKind.choices]
    )
    ip_event = forms.ChoiceField(
        label="IP captured at", required=False, choices=[("", "—"), *IpEvent.choices]
    )
    observed_at = forms.DateTimeField(
        label="Seen at (IP)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    port = forms.IntegerField(label="Port (IP)", required=False, min_value=0, max_value=65535)
    subject = forms.ModelChoiceField(label="Attributed to", required=False, queryset=None)

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects
        self.fields["subject"].label_from_instance = lambda s: (
            f"{s.pseudonym} ({s.get_role_display()})"
        )


class SubjectForm(CaseworkForm):
    role = forms.ChoiceField(label="Role", choices=SubjectRole.choices)
    description = forms.CharField(
        label="Description (neutral, e.g. 'Holder of account user_8812')",
        required=False,
        max_length=300,
    )


class NoteForm(CaseworkForm):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 4}))
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TaskForm(CaseworkForm):
    title = forms.CharField(label="Task", max_length=200)
    assignee = forms.ModelChoiceField(label="Assignee", required=False, queryset=None)
    due_at = forms.DateTimeField(
        label="Due", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class ReasonForm(CaseworkForm):
    reason = forms.CharField(
        label="Why do you need to see the victim records?",
        max_length=500,
        help_text="Recorded in the audit trail with your name.",
    )


class VictimForm(CaseworkForm):
    reason = forms.CharField(widget=forms.HiddenInput)
    identification = forms.ChoiceField(label="Identification", choices=VictimIdentification.choices)
    icse_reference = forms.CharField(label="ICSE reference", required=False, max_length=100)
    national_reference = forms.CharField(
        label="National database reference", required=False, max_length=100
    )


class SafeguardingForm(CaseworkForm):
    reason = forms.CharField(widget=forms.HiddenInput)
    action = forms.CharField(label="Safeguarding action taken", max_length=300)

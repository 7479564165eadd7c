from __future__ import annotations

from django import forms

from casework.core.forms import CaseworkForm

from .choices import STARTABLE_BY_HAND


class DeadlineCreateForm(CaseworkForm):
    case = forms.CharField(label="Case number", max_length=40)
    kind = forms.ChoiceField(label="Kind", choices=STARTABLE_BY_HAND)
    due_at = forms.DateTimeField(
        label="Due (leave empty to use the rule)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In the deadline's time zone.",
    )
    time_zone = forms.CharField(label="Time zone", max_length=64, required=False)
    jurisdiction = forms.CharField(
        label="Jurisdiction (country code, EU, CoE)", max_length=40, required=False
    )
    note = forms.CharField(
        label="Note (work done, never content)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MeetForm(CaseworkForm):
    reason = forms.CharField(
        label="Reason (needed when it is met after its due time)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WaiveForm(CaseworkForm):
    reason = forms.CharField(
        label="Why it no longer applies", widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(CaseworkForm):
    new_due_at = forms.DateTimeField(
        label="New due time (leave empty for the rule's extension)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}))

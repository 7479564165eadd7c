from __future__ import annotations

from django import forms

from casework.core.forms import CaseworkForm

from .choices import LinkKind


class CaseLinkForm(CaseworkForm):
    kind = forms.ChoiceField(label="What links them", choices=LinkKind.choices)
    other = forms.CharField(
        label="Case number",
        required=False,
        max_length=40,
        help_text="A case you can see, e.g. NORTH-2026-000123.",
    )
    token = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("other") and not data.get("token"):
            self.add_error("other", "Give the number of the case to link.")
        return data


class CaseMergeForm(CaseworkForm):
    original = forms.CharField(label="Merge into case number", max_length=40)
    reason = forms.CharField(
        label="Why they are one case",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TransferProposeForm(CaseworkForm):
    to_unit = forms.ModelChoiceField(label="Hand the case to", queryset=None)
    reason = forms.CharField(
        label="Why this unit should take it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units


class TransferAcceptForm(CaseworkForm):
    lead = forms.ModelChoiceField(label="New lead in your unit", queryset=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = people


class TransferDeclineForm(CaseworkForm):
    reason = forms.CharField(
        label="Why your unit declines", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

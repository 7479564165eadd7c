from __future__ import annotations

import datetime

from django import forms

from casework.audit.choices import Outcome
from casework.core.forms import CaseworkForm


class EventFilterForm(CaseworkForm):
    person = forms.CharField(required=False, max_length=150, label="Person (username)")
    case = forms.CharField(required=False, max_length=40, label="Case number")
    object_type = forms.CharField(required=False, max_length=80, label="Record type")
    object_id = forms.CharField(required=False, max_length=64, label="Record id")
    action = forms.CharField(required=False, max_length=80, help_text="e.g. case.view or auth.")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any"), *Outcome.choices])
    since = forms.DateTimeField(required=False, label="From (UTC)")
    until = forms.DateTimeField(required=False, label="Until (UTC)")


class ReviewForm(CaseworkForm):
    week = forms.DateField(help_text="The Monday the week starts on.")
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    @staticmethod
    def last_monday() -> datetime.date:
        today = datetime.date.today()
        return today - datetime.timedelta(days=today.weekday() + 7)

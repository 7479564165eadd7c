from __future__ import annotations

from django import forms

from casework.core.forms import CaseworkForm

from .models import MAX_REVIEW_MONTHS


def _reason(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=2000,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RetainForm(CaseworkForm):
    reason = _reason("Why the record is kept")
    next_review_on = forms.DateField(
        label="Next review on",
        help_text="At most ten years ahead.",
        error_messages={"required": "Enter the date of the next review."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DisposeForm(CaseworkForm):
    reason = _reason("Why it can be disposed of")


class HoldForm(CaseworkForm):
    reason = _reason("Why it must be kept")
    authority = forms.CharField(
        label="Authority",
        max_length=200,
        help_text="What orders the hold, e.g. a court order reference.",
    )


class NewHoldForm(HoldForm):
    record = forms.CharField(
        label="Case number or referral number",
        max_length=60,
        help_text="For example NORTH-2026-000123, or Referral 4567.",
    )
    field_order = ["record", "reason", "authority"]


class LiftForm(CaseworkForm):
    lift_reason = _reason("Why the hold is lifted")


class ApproveForm(CaseworkForm):
    note = _reason("Note (optional)", required=False)


class RejectForm(CaseworkForm):
    note = _reason("Why the record is kept")


class RuleForm(CaseworkForm):
    review_months = forms.IntegerField(
        label="Review after (months)", min_value=1, max_value=MAX_REVIEW_MONTHS
    )
    basis = forms.CharField(
        label="Basis",
        max_length=300,
        help_text="The law, code of practice or policy the period comes from.",
    )
    active = forms.BooleanField(label="Start reviews under this rule", required=False, initial=True)

from __future__ import annotations

from django import forms
from django.utils import timezone

from casework.core.forms import CaseworkForm

from .selectors import default_period

PRESETS = (
    ("4w", "Last 4 weeks"),
    ("13w", "Last 13 weeks"),
    ("52w", "Last 52 weeks"),
    ("custom", "Dates below"),
)
PRESET_WEEKS = {"4w": 4, "13w": 13, "52w": 52}
DEFAULT_PRESET = "13w"


class PeriodForm(CaseworkForm):
    """Period and unit filters of the dashboard (GET)."""

    preset = forms.ChoiceField(label="Period", choices=PRESETS, required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    # Any code is accepted here: the selector decides, and answers 404 for a unit not one's own.
    unit = forms.CharField(label="Unit", required=False, widget=forms.Select)
    # "Recompute now" on the administrators' all-units view: this minute's figures instead of
    # the scheduler's snapshot (``snapshots``). Not drawn as a field: the page links to it.
    fresh = forms.BooleanField(required=False)

    def __init__(self, data=None, *args, units=(), **kwargs) -> None:
        # The menu must name the period the page shows: a query without a preset (a bare unit
        # filter, or dates only) gets the preset that ``period`` applies, so the re-rendered
        # select does not fall back to its first option.
        if data is not None and data.get("preset", "") in ("", "custom") and not data.get("start"):
            data = data.copy()
            data["preset"] = DEFAULT_PRESET
        elif data is not None and not data.get("preset"):
            data = data.copy()
            data["preset"] = "custom"
        super().__init__(data, *args, **kwargs)
        self.fields["preset"].initial = DEFAULT_PRESET
        self.fields["unit"].widget.choices = [
            ("", "All units"),
            *[(u.code, u.name) for u in units],
        ]

    def wants_fresh(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("fresh"))

    def period(self):
        """(first day, last day); the preset wins unless "dates below" is chosen."""
        data = self.cleaned_data if self.is_valid() else {}
        preset = data.get("preset") or ("custom" if data.get("start") else DEFAULT_PRESET)
        if preset == "custom" and data.get("start"):
            return data["start"], data.get("end") or timezone.localdate()
        return default_period(weeks=PRESET_WEEKS.get(preset, PRESET_WEEKS[DEFAULT_PRESET]))


class ReportForm(CaseworkForm):
    kind = forms.ChoiceField(label="Report", choices=(("monthly", "Monthly"), ("annual", "Annual")))
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    month = forms.IntegerField(
        label="Month (for a monthly report)", min_value=1, max_value=12, required=False
    )
    unit = forms.CharField(label="Unit", required=False, widget=forms.Select)
    shared = forms.BooleanField(
        label="For sharing outside the unit (counts under 5 suppressed)", required=False
    )
    format = forms.ChoiceField(label="Format", choices=(("pdf", "PDF"), ("csv", "CSV")))

    def __init__(self, *args, units=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.choices = [
            ("", "All units"),
            *[(u.code, u.name) for u in units],
        ]


class CaseReviewForm(CaseworkForm):
    notes = forms.CharField(
        label="What was reviewed",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Neutral words: the work done and its state, never content.",
    )
    decisions = forms.CharField(
        label="Decisions", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_review_at = forms.DateTimeField(
        label="Next review",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

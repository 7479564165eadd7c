"""Web forms of the register. They shape input; the services decide what is allowed.

There is no manifest form: no file of any kind enters through the web UI. Counts come from a
VICS manifest through ``manage.py hashset_manifest`` or the API, or are typed here.
"""

from __future__ import annotations

import re

from django import forms

from casework.core.forms import CaseworkForm
from casework.custody.models import EvidenceItem
from casework.partners.models import Agency

from .choices import Destination, SetAlgorithm
from .manifest import UNCATEGORISED
from .selectors import RegisterState

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_COUNT_PAIR = re.compile(r"^\s*([0-9]{1,2}|uncategorised)\s*[:=]\s*([0-9]{1,10})\s*$", re.I)


class ExhibitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: EvidenceItem) -> str:
        return f"Exhibit {obj.exhibit_number} ({obj.get_kind_display().lower()})"


class HashSetForm(CaseworkForm):
    item = ExhibitChoiceField(
        queryset=EvidenceItem.objects.none(), label="Made from exhibit", empty_label=None
    )
    set_identifier = forms.CharField(max_length=120, label="Set id")
    store_reference = forms.CharField(
        max_length=200,
        label="Evidence store reference",
        help_text="Where the set itself lives in the evidence store. Casework keeps no hashes.",
    )
    algorithms = forms.MultipleChoiceField(
        choices=SetAlgorithm.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Hash algorithms",
    )
    made_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Made at (your time zone)")
    counts = forms.CharField(
        max_length=500,
        required=False,
        label="Counts by category",
        help_text="Category code and count, separated by commas, e.g. 0: 1200, 1: 35. Leave "
        "empty to fill them from a VICS manifest (command line or API).",
    )

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = EvidenceItem.objects.filter(case=case).order_by(
            "exhibit_number", "id"
        )

    def clean_counts(self) -> dict[str, int]:
        text = self.cleaned_data["counts"].strip()
        counts: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            match = _COUNT_PAIR.match(part)
            if match is None:
                raise forms.ValidationError(
                    f"Write each count as category: number (e.g. 1: 35, {UNCATEGORISED}: 4); "
                    f"{part[:30]!r} is not."
                )
            key = match.group(1).lower()
            counts[key] = counts.get(key, 0) + int(match.group(2))
        return counts


class SharingForm(CaseworkForm):
    destination = forms.ChoiceField(
        choices=Destination.choices, widget=forms.RadioSelect, label="Shared with"
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name", "country"),
        required=False,
        label="Receiving agency",
        help_text="For another agency's database or a Project VIC–style partner.",
    )
    shared_at = forms.DateTimeField(widget=LOCAL_INPUT, label="Sent at (your time zone)")
    reference_received = forms.CharField(
        max_length=120,
        required=False,
        label="Reference received back",
        help_text="The receiving database's reference for the submission, if it gave one.",
    )


class AcknowledgementForm(CaseworkForm):
    acknowledged_at = forms.DateTimeField(
        widget=LOCAL_INPUT, label="Acknowledged at (your time zone)"
    )
    acknowledgement = forms.CharField(
        max_length=300,
        label="What the receiver said",
        help_text="E.g. 'Received and loaded, 1,235 entries'. Describe the work, never content.",
    )
    reference_received = forms.CharField(
        max_length=120, required=False, label="Reference received back"
    )


class RegisterFilterForm(CaseworkForm):
    case = forms.CharField(max_length=40, required=False, label="Case number")
    destination = forms.ChoiceField(
        choices=[("", "Any"), *Destination.choices], required=False, label="Shared with"
    )
    state = forms.ChoiceField(choices=RegisterState.CHOICES, required=False, label="Needs")

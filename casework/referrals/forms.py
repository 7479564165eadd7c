"""Forms of the referral pages. They only shape input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from casework.cases.choices import Priority
from casework.core.forms import CaseworkForm
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent

from .choices import ReferralStatus, SourceKind
from .models import IncidentType

ANY = [("", "Any")]
INTAKE_IDENTIFIER_ROWS = 3


class QueueFilterForm(CaseworkForm):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("open", "Open (new or in triage)"), ("all", "Any"), *ReferralStatus.choices],
    )
    priority = forms.ChoiceField(label="Priority", required=False, choices=ANY + Priority.choices)
    source_kind = forms.ChoiceField(
        label="Source", required=False, choices=ANY + SourceKind.choices
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)


class ReferralForm(CaseworkForm):
    source_kind = forms.ChoiceField(label="Source kind", choices=SourceKind.choices)
    source_agency = forms.CharField(label="Source agency or service", max_length=200)
    source_reference = forms.CharField(label="Source's reference", max_length=200)
    received_at = forms.DateTimeField(
        label="Received",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="In your time zone.",
    )
    incident_at = forms.DateTimeField(
        label="Incident time (if known)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    incident_type = forms.ModelChoiceField(
        label="Incident type",
        required=False,
        queryset=IncidentType.objects.filter(active=True),
        to_field_name="code",
    )
    jurisdiction = forms.CharField(label="Jurisdiction", max_length=100, required=False)
    priority = forms.ChoiceField(label="Our priority", choices=Priority.choices, initial="P3")
    source_priority = forms.CharField(label="Source's own priority", max_length=60, required=False)
    escalation_requested = forms.BooleanField(
        label="The source asked for escalation", required=False
    )
    summary = forms.CharField(
        label="Summary (neutral: what was reported about whom, never a description of content)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class IdentifierForm(CaseworkForm):
    kind = forms.ChoiceField(label="Kind", choices=[("", "—"), *IdentifierKind.choices])
    value = forms.CharField(label="Value", max_length=500)
    service = forms.CharField(label="Service", max_length=200, required=False)
    device_kind = forms.ChoiceField(
        label="Device id type", required=False, choices=[("", "—"), *DeviceIdKind.choices]
    )
    ip_event = forms.ChoiceField(
        label="IP event", required=False, choices=[("", "—"), *IpEvent.choices]
    )
    observed_at = forms.DateTimeField(
        label="Observed at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    port = forms.IntegerField(label="Port", required=False, min_value=0, max_value=65535)


class OptionalIdentifierForm(IdentifierForm):
    """A row of the intake form that may stay empty."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False
        self.fields["value"].required = False

    def clean(self):
        data = super().clean()
        if data.get("value") and not data.get("kind"):
            self.add_error("kind", "Choose what kind of identifier this is.")
        if data.get("kind") and not data.get("value"):
            self.add_error("value", "Give the value, or leave the kind empty.")
        return data


IdentifierFormSet = forms.formset_factory(
    OptionalIdentifierForm, extra=INTAKE_IDENTIFIER_ROWS, max_num=50
)


class AcceptForm(CaseworkForm):
    case = forms.CharField(
        label="Existing case number",
        required=False,
        max_length=40,
        help_text="Leave empty to open a new case.",
    )
    title = forms.CharField(label="Title of the new case (neutral)", required=False, max_length=200)


class DeclineForm(CaseworkForm):
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReferOutForm(CaseworkForm):
    agency_name = forms.CharField(label="Partner agency", max_length=200)
    reference = forms.CharField(label="Their reference", max_length=200, required=False)


class PriorityForm(CaseworkForm):
    priority = forms.ChoiceField(label="Our priority", choices=Priority.choices)

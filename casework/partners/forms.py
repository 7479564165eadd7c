"""Web forms. They collect input; the services decide whether it is valid (DomainError)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone

from casework.core.forms import CaseworkForm

from .choices import (
    AgencyKind,
    Channel,
    Direction,
    HandlingCode,
    LegalBasis,
    RequestKind,
    RequestStatus,
)
from .models import Agency, Contact, PartnerRequest
from .validators import country_choices

HANDLING_HELP = "How far this may travel. Required on anything sent out."


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class AgencySearchForm(CaseworkForm):
    q = forms.CharField(label="Name", required=False)
    country = forms.ChoiceField(label="Country", required=False)
    kind = forms.ChoiceField(label="Kind", required=False, choices=_blank(AgencyKind.choices))
    icse = forms.ChoiceField(
        label="ICSE",
        required=False,
        choices=[("", "Any"), ("yes", "Connected"), ("no", "Not connected")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _blank(country_choices())


class AgencyForm(CaseworkForm):
    name = forms.CharField(max_length=200)
    country = forms.ChoiceField(help_text="ISO 3166 country.")
    kind = forms.ChoiceField(choices=AgencyKind.choices)
    icse_connected = forms.BooleanField(label="Connected to INTERPOL ICSE", required=False)
    duty_line = forms.CharField(
        label="24/7 line", max_length=200, required=False, help_text="Phone or channel."
    )
    duty_contact = forms.ModelChoiceField(
        label="24/7 contact", queryset=Contact.objects.none(), required=False
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, agency: Agency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _blank(country_choices())
        if agency is None:
            del self.fields["duty_contact"]
        else:
            self.fields["duty_contact"].queryset = Contact.objects.filter(
                agency=agency, active=True
            ).order_by("name")


class ContactForm(CaseworkForm):
    name = forms.CharField(max_length=200)
    role = forms.CharField(max_length=200, required=False)
    email = forms.CharField(label="E-mail", max_length=254, required=False)
    phone = forms.CharField(max_length=40, required=False)
    secure_channel = forms.CharField(max_length=200, required=False)
    languages = forms.CharField(
        required=False, help_text="ISO 639 codes separated by commas, e.g. en, fr."
    )
    time_zone = forms.CharField(
        max_length=64, required=False, help_text="IANA zone, e.g. Europe/Paris."
    )
    active = forms.BooleanField(required=False, initial=True)


class _RecordWorkForm(CaseworkForm):
    """Shared: agency and contact choices (the service checks the contact is the agency's)."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("name", "country"))
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.filter(active=True).select_related("agency").order_by("name"),
        required=False,
        help_text="Must work at the chosen agency.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choosing the agency narrows the contact list to its people (htmx); without script the
        # full list stays and the service still refuses a contact of another agency.
        self.fields["agency"].widget.attrs.update(
            {
                "hx-get": reverse("partners:contact-options"),
                "hx-target": "#id_contact",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )


class CommunicationForm(_RecordWorkForm):
    request = forms.ModelChoiceField(
        label="About request",
        queryset=PartnerRequest.objects.none(),
        required=False,
        help_text="Optional: the request this exchange is about.",
    )
    occurred_at = forms.DateTimeField(label="When", widget=DateTimeLocalInput())
    direction = forms.ChoiceField(choices=Direction.choices)
    channel = forms.ChoiceField(choices=Channel.choices)
    handling_code = forms.ChoiceField(
        choices=_blank(HandlingCode.choices), required=False, help_text=HANDLING_HELP
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Neutral: what was done, never content."
    )

    def __init__(self, *args, requests=None, **kwargs):
        super().__init__(*args, **kwargs)
        if requests is not None:
            self.fields["request"].queryset = requests
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        field_order = ["occurred_at", "direction", "channel", "agency", "contact"]
        self.order_fields(field_order)


class RequestForm(_RecordWorkForm):
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.OUTGOING)
    kind = forms.ChoiceField(choices=[c for c in RequestKind.choices if c[0] != "referral_out"])
    legal_basis = forms.ChoiceField(choices=LegalBasis.choices)
    handling_code = forms.ChoiceField(
        choices=_blank(HandlingCode.choices), required=False, help_text=HANDLING_HELP
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What is asked, in neutral words."
    )
    external_reference = forms.CharField(
        label="Reference at the other side", max_length=200, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["direction", "kind", "legal_basis", "agency", "contact"])


class ReferOutForm(_RecordWorkForm):
    handling_code = forms.ChoiceField(choices=_blank(HandlingCode.choices), help_text=HANDLING_HELP)
    summary = forms.CharField(
        label="What was sent",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="List what was handed over, in neutral words.",
    )
    external_reference = forms.CharField(
        label="Reference at the other side", max_length=200, required=False
    )


class RequestStatusForm(CaseworkForm):
    status = forms.ChoiceField(choices=[c for c in RequestStatus.choices if c[0] != "draft"])
    at = forms.DateTimeField(
        label="When", required=False, widget=DateTimeLocalInput(), help_text="Empty: now."
    )
    external_reference = forms.CharField(
        label="Reference at the other side", max_length=200, required=False
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, allowed: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed is not None:
            self.fields["status"].choices = [c for c in RequestStatus.choices if c[0] in allowed]

from __future__ import annotations

from django import forms

from casework.accounts.models import Unit, User
from casework.core.forms import CaseworkForm
from casework.partners.models import Agency


class InstallationForm(CaseworkForm):
    agency = forms.ModelChoiceField(
        label="Partner agency",
        queryset=Agency.objects.filter(installation__isnull=True).order_by("name"),
        help_text="From the partner directory.",
    )
    issuer = forms.CharField(
        label="Issuer name",
        max_length=200,
        help_text="The name their installation signs its sets with, e.g. casework.police.example.",
    )
    public_key = forms.CharField(
        label="Their public key",
        max_length=60,
        help_text="Base64 of the 32-byte Ed25519 key, 44 characters, as their page shows it.",
    )
    url = forms.URLField(
        label="Their API address",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Optional.",
    )
    service_account = forms.ModelChoiceField(
        label="Service account they call us with",
        queryset=User.objects.filter(service_account__isnull=False).order_by("username"),
        required=False,
        help_text="Optional: without one they exchange files only.",
    )


class KeyForm(CaseworkForm):
    public_key = forms.CharField(
        label="New public key",
        max_length=60,
        help_text=(
            "Base64 of the 32-byte Ed25519 key. The old key keeps working until you revoke it."
        ),
    )


class RevokeForm(CaseworkForm):
    reason = forms.CharField(
        label="Why",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded in the audit trail, e.g. 'key reported lost on 3 March'.",
    )


class SharingUnitForm(CaseworkForm):
    unit = forms.ModelChoiceField(label="Unit", queryset=Unit.objects.order_by("name"))
    active = forms.TypedChoiceField(
        label="Shares pointers",
        choices=[("yes", "Yes: its open cases' identifiers are in the sets we send"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    contact_name = forms.CharField(
        label="Point of contact",
        max_length=200,
        required=False,
        help_text="Whom partners' leads call, e.g. the unit's duty desk.",
    )
    contact_email = forms.EmailField(label="Their e-mail", max_length=254, required=False)
    contact_phone = forms.CharField(label="Their phone", max_length=40, required=False)

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from casework.core.forms import CaseworkForm, GuardedFieldsMixin


class SignInForm(GuardedFieldsMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The user name or password is not right. Check both and try again.",
    }


class TwoFactorForm(CaseworkForm):
    token = forms.CharField(
        label="Six-digit code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

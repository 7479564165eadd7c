"""Passkey pages: the account's security page, naming a new passkey, and the WebAuthn ceremonies.

The ceremonies are django-otp-webauthn's views with Casework's rules added: enrolment only from
a session that passed two-factor sign-in, a name chosen first, and every outcome audited
(``passkeys.py``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn import exceptions
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.utils import rewrite_exceptions, user_has_any_otp_device
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
    _get_pywebauthn_logger,
)

from casework.core.errors import DomainError
from casework.core.forms import CaseworkForm

from . import passkeys
from .decorators import two_factor_verified
from .selectors import user_may_sign_in

PENDING_NAME = "casework_passkey_pending_name"


class PasskeyNameForm(CaseworkForm):
    name = forms.CharField(
        label="Name of the passkey",
        max_length=passkeys.NAME_MAX_LENGTH,
        help_text="Say which device holds it, e.g. Office laptop or Blue security key.",
    )


@never_cache
@two_factor_verified
def security(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own sign-in methods: authenticator app and passkeys."""
    form = PasskeyNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            name = passkeys.passkey_name_check(user=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            error.add_to_form(form)
        else:
            request.session[PENDING_NAME] = name
            return redirect("accounts:passkey-new")
    context = {
        "form": form,
        "passkeys": passkeys.passkeys_of(user=request.user),
        "totp_enrolled": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
    }
    return render(request, "accounts/security.html", context, status=400 if form.errors else 200)


@never_cache
@two_factor_verified
def passkey_new(request: HttpRequest) -> HttpResponse:
    """Second step of adding a passkey: the browser creates it (``static/accounts/passkeys.js``)."""
    name = request.session.get(PENDING_NAME)
    if not name:
        return redirect("accounts:security")
    return render(request, "accounts/passkey_new.html", {"name": name})


@two_factor_verified
@require_POST
def passkey_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    current = getattr(request.user, "otp_device", None)
    name = passkeys.passkey_revoke(user=request.user, passkey_id=pk)
    message = f"Passkey {name} removed: it can no longer be used to sign in."
    if isinstance(current, WebAuthnCredential) and current.pk == pk:
        # django-otp no longer counts this session as verified: its device is gone.
        message += " You had signed in with it, so confirm your sign-in again to go on."
    messages.success(request, message)
    return redirect("accounts:security")


class NameMissing(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "name_missing"
    default_detail = "Name the passkey first, on your security page."


class _Enrolment:
    def check_can_register(self):
        # Stricter than the library, which lets a session with no device yet enrol: with
        # two-factor sign-in required, a password alone must not be able to add a passkey.
        user = self.request.user
        if not user.is_verified() and (
            settings.CASEWORK_REQUIRE_2FA or user_has_any_otp_device(user)
        ):
            raise exceptions.NotVerified(
                detail="Finish two-factor sign-in before you add a passkey."
            )
        if not self.request.session.get(PENDING_NAME):
            raise NameMissing()


class PasskeyRegistrationBegin(_Enrolment, BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationComplete(_Enrolment, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        user = self.get_user()
        state = self.get_state()
        name = self.request.session.pop(PENDING_NAME, "")
        with rewrite_exceptions(logger=_get_pywebauthn_logger()):
            try:
                credential = passkeys.passkey_enrol(
                    user=user,
                    helper=self.get_helper(),
                    state=state,
                    data=self.request.data,
                    name=name,
                )
            except DomainError as error:
                raise exceptions.UnprocessableEntity(detail=error.text) from None
        # Shown on the security page, where the script goes next.
        messages.success(
            self.request,
            f"Passkey {credential.name} added. Use it at your next sign-in instead of a code.",
        )
        return JsonResponse({"id": credential.pk})


class PasskeyAuthenticationBegin(BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationComplete(CompleteCredentialAuthenticationView):
    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and self.request.user.is_authenticated:
            passkeys.passkey_failed(user=self.request.user, reason=exc.code)
        return super().handle_exception(exc)

    def check_device_usable(self, device) -> None:
        super().check_device_usable(device)
        if not user_may_sign_in(device.user):
            raise exceptions.UserDisabled()

    def complete_auth(self, device):
        # Passwordless sign-in is off (OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN), so the person has
        # already passed the password step; the library marks the session verified.
        super().complete_auth(device)
        passkeys.passkey_verified(user=device.user, credential=device)

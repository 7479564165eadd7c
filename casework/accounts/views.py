from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import services
from .forms import SignInForm, TwoFactorForm
from .middleware import LAST_SEEN_AT, SIGNED_IN_AT
from .oidc import oidc_enabled, provider_logout_url
from .passkeys import passkeys_of
from .sso_views import provider_sign_out

KEY_SHOWN_TO_SESSION = "casework_two_factor_key_shown_for"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}):
        return candidate
    return "/"


@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request, data=request.POST or None)
    if oidc_enabled():
        # The provider's button is the way most people sign in: the page must not put the
        # cursor in the break-glass password form first.
        form.fields["username"].widget.attrs.pop("autofocus", None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            now = timezone.now().timestamp()
            request.session[SIGNED_IN_AT] = now
            request.session[LAST_SEEN_AT] = now
            services.sign_in_succeeded(user=user)
            return redirect(_next_url(request))
        if services.sign_in_failed(username=request.POST.get("username", "")):
            form.errors.clear()
            form.add_error(
                None,
                "This account is locked after repeated failed sign-ins. "
                "Ask an administrator to release it.",
            )
    return render(request, "accounts/sign_in.html", {"form": form, "next": _next_url(request)})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    # A session that came from single sign-on ends at the provider too, where it says how.
    provider_logout = provider_logout_url(request)
    if request.user.is_authenticated:
        services.sign_out(user=request.user)
    logout(request)
    if provider_logout:
        return provider_sign_out(request, provider_logout)
    messages.success(request, "You are signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _may_show_key(request: HttpRequest, device) -> bool:
    if request.session.get(KEY_SHOWN_TO_SESSION) == device.persistent_id:
        return True
    if services.two_factor_key_reveal(user=request.user):
        request.session[KEY_SHOWN_TO_SESSION] = device.persistent_id
        return True
    return False


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (first time) or check a code (every sign-in).

    The enrolment key is shown once per enrolment; the session that saw it may see it again
    (a mistyped code shows the page again), any later one is asked for the code only."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    device = services.two_factor_device_for(user=user)
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_check(user=user, device=device, token=form.cleaned_data["token"]):
            request.session.pop(KEY_SHOWN_TO_SESSION, None)
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", "That code is not right or has expired. Enter the current code.")
    has_passkey = passkeys_of(user=user).exists()
    if has_passkey:
        # The passkey button is the first thing offered; the code field waits to be chosen.
        form.fields["token"].widget.attrs.pop("autofocus", None)
    context = {
        "form": form,
        "enrolling": not device.confirmed,
        "next": _next_url(request),
        "has_passkey": has_passkey,
    }
    if not device.confirmed and _may_show_key(request, device):
        context["secret"] = base64.b32encode(device.bin_key).decode()
        context["qr_svg"] = mark_safe(
            segno.make(device.config_url, error="m").svg_inline(scale=4, title="Enrolment QR code")
        )
    return render(request, "accounts/two_factor.html", context)

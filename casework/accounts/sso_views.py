"""Single sign-on pages: send the browser to the provider, take it back, or say why not.

The callback is Casework's own rather than mozilla-django-oidc's: that one answers every
failure with a bare redirect or a 400, where a person needs to read what went wrong and what to
do, and the audit trail needs a reason.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import auth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import View
from django_otp import login as otp_login
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from . import sso_services
from .middleware import LAST_SEEN_AT, SIGNED_IN_AT
from .oidc import SignInRefused, oidc_enabled, provider_endpoints

logger = logging.getLogger(__name__)

# OAuth 2.0 / OIDC error codes a provider sends back, in words. The provider's own
# error_description is not shown: anyone can put text in a link to this page.
PROVIDER_ERRORS = {
    "access_denied": "The identity provider did not sign you in: your agency account may be "
    "disabled, or sign-in to Casework was refused or cancelled there.",
    "login_required": "The identity provider needs you to sign in there first.",
    "interaction_required": "The identity provider needs you to complete a step there first.",
    "consent_required": "The identity provider needs consent for Casework first. Ask your "
    "agency's identity team.",
    "unauthorized_client": "The identity provider does not allow Casework to sign people in. "
    "Tell your administrator.",
    "temporarily_unavailable": "The identity provider is busy. Try again in a few minutes.",
}
UNKNOWN_PROVIDER_ERROR = (
    "The identity provider did not sign you in. Start again from the sign-in page; if it "
    "happens again, tell your administrator."
)


def refused(request: HttpRequest, refusal: SignInRefused) -> HttpResponse:
    """The page that says why a single sign-on attempt failed, and the audit event of it."""
    sso_services.sso_sign_in_refused(refusal=refusal)
    return render(
        request,
        "accounts/sso_refused.html",
        {"message": refusal.text, "provider_name": settings.CASEWORK_OIDC_PROVIDER_NAME},
        status=403,
    )


class SignOnStartView(OIDCAuthenticationRequestView):
    """Redirect to the provider's authorisation endpoint with state, nonce and PKCE."""

    def __init__(self, **kwargs) -> None:
        # The parent reads the endpoint from settings here; it comes from discovery instead.
        View.__init__(self, **kwargs)

    def get(self, request):
        if not oidc_enabled():
            raise Http404
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_endpoints().authorization
        except SignInRefused as refusal:
            return refused(request, refusal)
        return super().get(request)


def _take_state(request: HttpRequest) -> dict | None:
    """The nonce and PKCE verifier stored for this callback's state, removed so it works once."""
    states = request.session.get("oidc_states")
    state = request.GET.get("state", "")
    if not isinstance(states, dict) or state not in states:
        return None
    entry = states.pop(state)
    request.session["oidc_states"] = states
    return entry


def _safe_next(request: HttpRequest) -> str:
    candidate = request.session.pop("oidc_login_next", None) or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}):
        return candidate
    return "/"


@never_cache
def sign_on_callback(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise Http404
    entry = _take_state(request)
    if request.GET.get("error"):
        error = request.GET["error"][:64]
        return refused(
            request,
            SignInRefused(f"provider:{error}", PROVIDER_ERRORS.get(error, UNKNOWN_PROVIDER_ERROR)),
        )
    if entry is None or not request.GET.get("code"):
        return refused(
            request,
            SignInRefused(
                "state_unknown",
                "This sign-in link was already used, has expired, or was started in another "
                "browser. Start again from the sign-in page.",
            ),
        )
    try:
        user = auth.authenticate(
            request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
    except SignInRefused as refusal:
        return refused(request, refusal)
    if user is None:
        return refused(request, SignInRefused("token_invalid", UNKNOWN_PROVIDER_ERROR))
    return _signed_on(request, user)


def _signed_on(request: HttpRequest, user) -> HttpResponse:
    next_url = _safe_next(request)
    # login() empties the session when another user was signed in; the ID token is needed
    # later to end the provider session.
    id_token = request.session.get("oidc_id_token")
    auth.login(request, user)
    if id_token:
        request.session["oidc_id_token"] = id_token
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now
    second_factor = "casework"
    if settings.CASEWORK_OIDC_SECOND_FACTOR != "casework" and getattr(
        user, "sso_provider_mfa", False
    ):
        otp_login(request, sso_services.provider_second_factor_for(user=user))
        second_factor = "provider"
    sso_services.sso_sign_in_succeeded(user=user, second_factor=second_factor)
    return redirect(next_url)


def provider_sign_out(request: HttpRequest, provider_logout_url: str) -> HttpResponse:
    """After Casework's own sign-out, send the browser on to end the provider session.

    A page that moves on by itself rather than a redirect: the sign-out is a form, and the
    Content-Security-Policy (``form-action 'self'``) stops a form's redirect to another site."""
    return render(
        request,
        "accounts/sso_signing_out.html",
        {
            "provider_logout_url": provider_logout_url,
            "provider_name": settings.CASEWORK_OIDC_PROVIDER_NAME,
        },
    )

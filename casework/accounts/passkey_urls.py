"""The WebAuthn ceremony endpoints, under the URL names django-otp-webauthn's scripts expect.

Mounted at the root URL map (``config/urls.py``) as the ``otp_webauthn`` namespace, under
``/accounts/`` so that a session still short of two-factor sign-in reaches them."""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import passkey_views as views

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        views.PasskeyRegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        views.PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        views.PasskeyAuthenticationBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        views.PasskeyAuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]

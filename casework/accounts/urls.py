from __future__ import annotations

from django.urls import include, path

from . import passkey_views, service_account_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("sso/", include("casework.accounts.sso_urls")),
    path("security/", passkey_views.security, name="security"),
    path("security/passkeys/new/", passkey_views.passkey_new, name="passkey-new"),
    path("security/passkeys/<int:pk>/remove/", passkey_views.passkey_revoke, name="passkey-remove"),
    path(
        "service-accounts/",
        service_account_views.service_account_list,
        name="service-accounts",
    ),
    path(
        "service-accounts/new/",
        service_account_views.service_account_create,
        name="service-account-new",
    ),
    path(
        "service-accounts/<slug:name>/tokens/",
        service_account_views.api_token_issue,
        name="api-token-issue",
    ),
    path(
        "service-accounts/tokens/<int:pk>/rotate/",
        service_account_views.api_token_rotate,
        name="api-token-rotate",
    ),
    path(
        "service-accounts/tokens/<int:pk>/revoke/",
        service_account_views.api_token_revoke,
        name="api-token-revoke",
    ),
]

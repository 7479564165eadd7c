"""URL map. Each app owns its pages (``casework/<app>/urls.py``) and API routes (``api_urls.py``);
this file only mounts them, so a feature adds one line here at most."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from casework.core.api_docs import SwaggerDocsView
from casework.core.api_views import HeartbeatView, MeView, UnknownRouteView

DOMAIN_APPS = (
    "referrals",
    "cases",
    "deadlines",
    "partners",
    "custody",
    "hashsets",
    "case_templates",
    "linked_cases",
    "cooperation",
    "oversight",
    "retention",
)


def _admin_sign_in(request, extra_context=None):
    # Every password sign-in goes through Casework's own page, so lock-out, two-factor and the
    # audit trail apply to the admin too.
    return redirect_to_login(request.get_full_path())


admin.site.login = _admin_sign_in
admin.site.site_header = "Casework administration"


def _mounted(module_suffix: str, prefix: str) -> list:
    """Mount every domain app that ships ``urls.py`` (pages) or ``api_urls.py`` (API)."""
    patterns = []
    for app in DOMAIN_APPS:
        module = f"casework.{app}.{module_suffix}"
        if find_spec(module) is not None:
            patterns.append(path(f"{prefix}{app}/", include(module)))
    return patterns


api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("me/", MeView.as_view(), name="api-me"),
    path("system/heartbeat/", HeartbeatView.as_view(), name="api-heartbeat"),
    *_mounted("api_urls", ""),
    # The audit trail's API (oversight's: it needs case visibility) at its old paths.
    path("audit/", include("casework.oversight.audit_api_urls")),
    path("search/", include("casework.search.api_urls")),
    # Last: any other path under /api/v1/ answers a problem-details 404, not an HTML page.
    re_path(r"^[\s\S]*$", UnknownRouteView.as_view(), name="api-unknown"),
]

urlpatterns = [
    path("", include("casework.core.urls")),
    path("accounts/webauthn/", include("casework.accounts.passkey_urls")),
    path("accounts/", include("casework.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_patterns)),
    *_mounted("urls", ""),
    # The audit workspace (oversight's) at its old paths and ``audit:`` URL names.
    path("audit/", include("casework.oversight.audit_urls")),
    path("search/", include("casework.search.urls")),
    # The audit log as C2SP tlog-tiles serves it (checkpoint, tiles, key, witness).
    path("log/", include("casework.audit.log_urls")),
]

# 400, 403 and 404 pages are Django's defaults rendering our templates with the request (so they
# carry the navigation); the 500 page needs its own handler for that.
handler500 = "casework.core.error_pages.server_error"

"""Session lifetime (CJIS AC-11, IA-11) and enforced two-factor sign-in (IA-2).

Threat: an unattended workstation left signed in, and a stolen password used alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

SIGNED_IN_AT = "casework_signed_in_at"
LAST_SEEN_AT = "casework_last_seen_at"
# Re-saving the session on every request would write to the database on every page, so the
# last-seen time is refreshed only now and then: at most once a minute, and at least four
# times per idle limit, so an active person is never signed out (at a one-minute limit, a
# once-a-minute refresh came too late) and the limit is kept to within a quarter of it.
_TOUCH_AT_MOST_EVERY_SECONDS = 60


def _touch_every_seconds() -> float:
    return min(_TOUCH_AT_MOST_EVERY_SECONDS, settings.CASEWORK_SESSION_IDLE_MINUTES * 60 / 4)


def _counted(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _expired(request: HttpRequest, message: str) -> HttpResponse:
    logout(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "type": "https://casework.invalid/problems/session-expired",
                "title": "Sign-in required",
                "status": 401,
                "detail": message,
            },
            status=401,
            content_type="application/problem+json",
        )
    messages.info(request, message)
    response = redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
    if getattr(request, "htmx", False):
        response["HX-Redirect"] = response["Location"]
    return response


class SessionLifetimeMiddleware:
    """Sign out after the idle limit, and after the absolute limit however active."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and SIGNED_IN_AT in request.session:
            now = timezone.now().timestamp()
            signed_in_at = request.session.get(SIGNED_IN_AT, now)
            last_seen_at = request.session.get(LAST_SEEN_AT, signed_in_at)
            max_hours = settings.CASEWORK_SESSION_MAX_HOURS
            idle_minutes = settings.CASEWORK_SESSION_IDLE_MINUTES
            if now - signed_in_at > max_hours * 3600:
                return _expired(
                    request,
                    f"You were signed out after {_counted(max_hours, 'hour')}: "
                    "please sign in again.",
                )
            if now - last_seen_at > idle_minutes * 60:
                return _expired(
                    request,
                    f"You were signed out after {_counted(idle_minutes, 'minute')} "
                    "without activity: please sign in again.",
                )
            if now - last_seen_at >= _touch_every_seconds():
                request.session[LAST_SEEN_AT] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Until a signed-in user has passed a TOTP check, only the two-factor pages answer."""

    OPEN_PREFIXES = ("/accounts/", "/static/")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.CASEWORK_REQUIRE_2FA
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "https://casework.invalid/problems/two-factor-required",
                        "title": "Two-factor sign-in required",
                        "status": 403,
                        "detail": (
                            "Complete two-factor sign-in in the browser, or use an API token."
                        ),
                    },
                    status=403,
                    content_type="application/problem+json",
                )
            return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
        return self.get_response(request)

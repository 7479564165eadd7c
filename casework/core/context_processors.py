from __future__ import annotations

from django.conf import settings

from .navigation import navigation_for


def shell(request) -> dict:
    """What the base layout needs on every page: navigation, the signed-in person, demo notice."""
    user = getattr(request, "user", None)
    return {
        "nav_items": navigation_for(user) if user is not None else [],
        "two_factor_off": not settings.CASEWORK_REQUIRE_2FA,
    }

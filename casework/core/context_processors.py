from __future__ import annotations

from django.conf import settings

from .navigation import navigation_for, navigation_groups
from .notifications import unread_count


def shell(request) -> dict:
    """What the base layout needs on every page: navigation, the signed-in person, demo notice."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    nav_items = navigation_for(user) if user is not None else []
    return {
        "nav_items": nav_items,
        "nav_groups": navigation_groups(nav_items, request.path),
        "two_factor_off": not settings.CASEWORK_REQUIRE_2FA,
        "unread_notifications": unread_count(user=user) if signed_in else 0,
    }

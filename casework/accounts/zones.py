"""The reader's time zone: their own, else their unit's, else the installation's.

Times are stored in UTC and shown in the zone of the person reading them (a court date at 10:00
in Manchester is 10:00 on the page, not 09:00 or 11:00). Pages that show times run inside
``in_user_zone``, so ``{% when %}``, ``localtime`` and form fields all use that zone.
"""

from __future__ import annotations

import zoneinfo
from datetime import tzinfo
from functools import wraps

from django.utils import timezone


def user_zone(user) -> tzinfo:
    for name in (
        getattr(user, "time_zone", ""),
        getattr(getattr(user, "unit", None), "time_zone", ""),
    ):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return timezone.get_default_timezone()


def in_user_zone(view):
    """Run ``view`` with the reader's zone as the current one."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(user_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper

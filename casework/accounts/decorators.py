"""View guards for pages under ``/accounts/``.

``TwoFactorRequiredMiddleware`` lets every ``/accounts/`` address through so that a session
still short of two-factor sign-in can finish it; pages there that manage credentials must then
insist on it themselves, or a password alone would list, remove or issue them."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse


def two_factor_verified(view):
    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if settings.CASEWORK_REQUIRE_2FA and not request.user.is_verified():
            return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
        return view(request, *args, **kwargs)

    return guarded

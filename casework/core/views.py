from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .navigation import home_panel_templates
from .notifications import notifications_for, notifications_mark_read
from .selectors import background_status

NOTIFICATIONS_SHOWN = 100


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "panels": home_panel_templates(),
        "background": background_status() if user.has_role("administrator") else None,
    }
    return render(request, "core/home.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    shown = list(notifications_for(user=request.user)[:NOTIFICATIONS_SHOWN])
    return render(request, "core/notifications.html", {"notifications": shown})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notifications")

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .navigation import home_panel_templates
from .selectors import heartbeat_status


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "panels": home_panel_templates(),
        "heartbeats": heartbeat_status() if user.has_role("administrator") else None,
    }
    return render(request, "core/home.html", context)

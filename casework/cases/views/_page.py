"""What every page of one case shares: its tabs, the case read for the page, and the context."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse

from casework.accounts.choices import Role

from .. import selectors
from ..models import Case

TABS = [
    ("overview", "Overview", "cases:detail"),
    ("subjects", "Subjects", "cases:subjects"),
    ("identifiers", "Identifiers", "cases:identifiers"),
    ("victims", "Victims", "cases:victims"),
    ("notes", "Notes", "cases:notes"),
    ("tasks", "Tasks", "cases:tasks"),
    ("chronology", "Chronology", "cases:chronology"),
]


def case_context(request: HttpRequest, case: Case, tab: str, **extra) -> dict:
    user = request.user
    is_supervisor = selectors.is_unit_supervisor(user, case.unit_id)
    context = {
        "case": case,
        "tab": tab,
        "tabs": [(key, label, reverse(name, args=[case.number])) for key, label, name in TABS],
        "can_manage": selectors.can_manage_case(user, case),
        "is_supervisor": is_supervisor,
        "can_write": not case.is_closed
        and user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR),
    }
    context.update(extra)
    return context


def case_viewed(request: HttpRequest, number: str, tab: str) -> Case:
    return selectors.case_view(user=request.user, number=number, tab=tab)


def render_tab(request, case, tab, template, status=200, **extra):
    return render(request, template, case_context(request, case, tab, **extra), status=status)

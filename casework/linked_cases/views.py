"""Linking cases from the case page, and removing a link. Reads through ``selectors`` (the
case must be visible: 404 otherwise), writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework.cases.selectors import case_get_for
from casework.cases.services import case_merge
from casework.core.errors import DomainError

from . import selectors, services
from .forms import CaseLinkForm, CaseMergeForm


def _back(case) -> HttpResponse:
    return redirect(reverse("cases:detail", args=[case.number]) + "#linked-cases")


def other_case(*, user, case, number: str = "", token: str = ""):
    if token:
        return selectors.case_from_token(user=user, case=case, token=token)
    return case_get_for(user=user, number=number.strip().upper())


@login_required
@require_POST
def link_create(request: HttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    form = CaseLinkForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            other = other_case(
                user=request.user, case=case, number=data["other"], token=data["token"]
            )
            services.case_link_create(actor=request.user, case=case, other=other, kind=data["kind"])
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "The cases are linked.")
            return _back(case)
    return render(request, "linked_cases/link.html", {"case": case, "form": form}, status=400)


@login_required
@require_POST
def link_remove(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    link = selectors.link_get_for(user=request.user, case=case, pk=pk)
    try:
        services.case_link_remove(actor=request.user, link=link, case=case)
    except DomainError as error:
        messages.error(request, error.text)
    else:
        messages.success(request, "The link is removed.")
    return _back(case)


@login_required
@require_POST
def merge(request: HttpRequest, number: str) -> HttpResponse:
    """Merge this case (a duplicate) into the original named in the form: a supervisor of the
    unit, from the duplicate-of link on the case page."""
    case = case_get_for(user=request.user, number=number)
    form = CaseMergeForm(request.POST)
    if form.is_valid():
        try:
            original = case_get_for(
                user=request.user, number=form.cleaned_data["original"].strip().upper()
            )
            case_merge(
                actor=request.user,
                duplicate=case,
                original=original,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{case.number} is merged into {original.number}.")
            return redirect("cases:detail", number=original.number)
    return render(request, "linked_cases/merge.html", {"case": case, "form": form}, status=400)

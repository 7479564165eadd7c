"""Linking cases from the case page, and removing a link. Reads through ``selectors`` (the
case must be visible: 404 otherwise), writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework.cases.selectors import case_get_for, unit_investigators
from casework.cases.services import (
    case_merge,
    case_transfer_accept,
    case_transfer_decline,
    case_transfer_propose,
)
from casework.core.errors import DomainError

from . import selectors, services
from .forms import (
    CaseLinkForm,
    CaseMergeForm,
    TransferAcceptForm,
    TransferDeclineForm,
    TransferProposeForm,
)


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


@login_required
@require_POST
def transfer_propose(request: HttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    form = TransferProposeForm(request.POST, units=selectors.other_units(case))
    if form.is_valid():
        try:
            case_transfer_propose(
                actor=request.user,
                case=case,
                to_unit=form.cleaned_data["to_unit"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request, f"{case.number} is offered to {form.cleaned_data['to_unit']}."
            )
            return _back(case)
    return render(
        request, "linked_cases/transfer_propose.html", {"case": case, "form": form}, status=400
    )


def _transfers_page(request, *, accept_forms=None, decline_forms=None, status=200):
    user = request.user
    incoming = selectors.transfers_incoming(user)
    people = unit_investigators(user.unit_id)
    rows = [
        {
            "transfer": t,
            "accept": (accept_forms or {}).get(t.pk)
            or TransferAcceptForm(people=people, prefix=f"a{t.pk}"),
            "decline": (decline_forms or {}).get(t.pk) or TransferDeclineForm(prefix=f"d{t.pk}"),
        }
        for t in incoming
    ]
    return render(
        request,
        "linked_cases/transfers.html",
        {"incoming": rows, "outgoing": selectors.transfers_outgoing(user)},
        status=status,
    )


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    if not selectors.is_unit_supervisor(request.user, request.user.unit_id):
        raise Http404("Only supervisors see their unit's transfers.")
    return _transfers_page(request)


@login_required
@require_POST
def transfer_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    transfer = selectors.transfer_get_for(user=request.user, pk=pk)
    if decision == "accept":
        form = TransferAcceptForm(
            request.POST, people=unit_investigators(request.user.unit_id), prefix=f"a{pk}"
        )
    else:
        form = TransferDeclineForm(request.POST, prefix=f"d{pk}")
    if form.is_valid():
        try:
            if decision == "accept":
                case = case_transfer_accept(
                    actor=request.user, transfer=transfer, lead=form.cleaned_data["lead"]
                )
                messages.success(request, f"{case.number} now belongs to your unit.")
                return redirect("cases:detail", number=case.number)
            case_transfer_decline(
                actor=request.user, transfer=transfer, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"{transfer.number} declined.")
            return redirect("linked_cases:transfers")
        except DomainError as error:
            error.add_to_form(form)
    forms_given = {pk: form}
    if decision == "accept":
        return _transfers_page(request, accept_forms=forms_given, status=400)
    return _transfers_page(request, decline_forms=forms_given, status=400)

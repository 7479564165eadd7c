"""Web pages of the register. Thin: selectors read, services write. No upload anywhere."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode

from casework.accounts.choices import Role
from casework.cases.selectors import case_get_for
from casework.core.errors import DomainError

from . import selectors, services
from .forms import AcknowledgementForm, HashSetForm, RegisterFilterForm, SharingForm


def _require_case_worker_role(request: HttpRequest) -> None:
    if not request.user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise Http404("Not found.")


@login_required
def register(request: HttpRequest) -> HttpResponse:
    _require_case_worker_role(request)
    form = RegisterFilterForm(request.GET or None)
    sets, next_cursor = [], ""
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = selectors.RegisterFilters(
            case_number=data.get("case", ""),
            destination=data.get("destination", ""),
            state=data.get("state", ""),
        )
        try:
            sets, next_cursor = selectors.hash_set_register(
                user=request.user, filters=filters, after=request.GET.get("after", "")[:80]
            )
        except DomainError as error:
            error.add_to_form(form)
    next_url = ""
    if next_cursor:
        query = {k: v for k, v in request.GET.items() if k != "after" and v}
        next_url = "?" + urlencode({**query, "after": next_cursor})
    return render(
        request,
        "hashsets/register.html",
        {"form": form, "sets": sets, "next_url": next_url, "paged": bool(request.GET.get("after"))},
    )


@login_required
def hash_set_create(request: HttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    form = HashSetForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hash_set = services.hash_set_create(actor=request.user, **data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"Hash set {hash_set.set_identifier} registered.")
            return redirect("hashsets:detail", public_id=hash_set.public_id)
    return render(request, "hashsets/hash_set_form.html", {"case": case, "form": form})


@login_required
def hash_set_detail(request: HttpRequest, public_id) -> HttpResponse:
    hash_set = selectors.hash_set_get_for(user=request.user, public_id=public_id)
    return render(
        request,
        "hashsets/hash_set_detail.html",
        {"hash_set": hash_set, "can_write": not hash_set.case.is_closed},
    )


@login_required
def sharing_create(request: HttpRequest, public_id) -> HttpResponse:
    hash_set = selectors.hash_set_get_for(user=request.user, public_id=public_id, audit=False)
    form = SharingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sharing = services.hash_set_share(
                actor=request.user, hash_set=hash_set, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            said = [f"Sharing with {sharing.destination_label} recorded."]
            if sharing.clocks_met:
                said.append("The submission clock of the exhibit is met.")
            if sharing.started_clock is not None:
                said.append("An acknowledgement clock started.")
            messages.success(request, " ".join(said))
            return redirect("hashsets:detail", public_id=hash_set.public_id)
    return render(request, "hashsets/sharing_form.html", {"hash_set": hash_set, "form": form})


@login_required
def sharing_acknowledge(request: HttpRequest, public_id) -> HttpResponse:
    sharing = selectors.sharing_get_for(user=request.user, public_id=public_id)
    form = AcknowledgementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hash_set_sharing_acknowledge(
                actor=request.user, sharing=sharing, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"Acknowledgement by {sharing.destination_label} recorded.")
            return redirect("hashsets:detail", public_id=sharing.hash_set.public_id)
    return render(
        request,
        "hashsets/acknowledgement_form.html",
        {"sharing": sharing, "hash_set": sharing.hash_set, "form": form},
    )

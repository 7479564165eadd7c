"""Web pages for evidence and custody. Thin: selectors read, services write."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from casework.accounts.choices import Role
from casework.cases.selectors import case_get_for, cases_visible_to
from casework.core.errors import DomainError

from . import selectors, services
from .bundle import (
    court_bundle_allowed,
    court_bundle_case,
    court_bundle_export,
    court_bundle_response,
)
from .forms import EventForm, HashForm, ItemForm, SignOffForm, StoreForm
from .models import EvidenceStore
from .reporting import case_export, case_report, item_report_for

ITEMS_SHOWN = 200


def _require_role(request: HttpRequest, *roles: str) -> None:
    if not request.user.has_role(*roles):
        raise Http404("Not found.")


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    _require_role(request, Role.INVESTIGATOR, Role.SUPERVISOR)
    mismatch_only = request.GET.get("mismatch") == "1"
    items = list(
        selectors.item_list(user=request.user, mismatch_only=mismatch_only)[: ITEMS_SHOWN + 1]
    )
    context = {
        "items": items[:ITEMS_SHOWN],
        "truncated": len(items) > ITEMS_SHOWN,
        "mismatch_only": mismatch_only,
        "case_numbers": list(
            cases_visible_to(request.user)
            .exclude(status="closed")
            .order_by("-opened_at")
            .values_list("number", flat=True)[:100]
        ),
        "to_acknowledge": list(selectors.awaiting_acknowledgement(user=request.user)[:50]),
        "sign_offs": list(selectors.pending_sign_offs(user=request.user)[:50])
        if request.user.has_role(Role.SUPERVISOR)
        else [],
    }
    return render(request, "custody/item_list.html", context)


@login_required
def case_jump(request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip().upper()
    case = case_get_for(user=request.user, number=number)
    return redirect("custody:case-items", number=case.number)


@login_required
def case_items(request: HttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    items = list(selectors.item_list(user=request.user, case=case))
    context = {
        "case": case,
        "items": items,
        "can_bundle": court_bundle_allowed(request.user, case),
    }
    return render(request, "custody/case_items.html", context)


@login_required
def item_create(request: HttpRequest, number: str) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    form = ItemForm(request.POST or None, case=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(actor=request.user, case=case, **form.service_kwargs())
        except DomainError as error:
            form.add_service_error(error)
        else:
            said = " ".join(clock.sentence() for clock in getattr(item, "started_clocks", ()))
            messages.success(request, f"Exhibit {item.exhibit_number} recorded. {said}".strip())
            return redirect("custody:item", public_id=item.public_id)
    return render(request, "custody/item_form.html", {"case": case, "form": form})


@login_required
def item_detail(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_get_for(user=request.user, public_id=public_id)
    report = item_report_for(item)
    return render(
        request,
        "custody/item_detail.html",
        {
            "item": item,
            "report": report,
            "is_supervisor": request.user.has_role(Role.SUPERVISOR),
        },
    )


@login_required
def event_create(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
    initial = {"kind": request.GET.get("kind", "")}
    form = EventForm(request.POST or None, item=item, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.custody_event_record(
                actor=request.user, item=item, **form.service_kwargs()
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"Event #{event.sequence} recorded.")
            return redirect("custody:item", public_id=item.public_id)
    return render(request, "custody/event_form.html", {"item": item, "form": form})


@login_required
def hash_create(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
    form = HashForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hash_record(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Hash value recorded.")
            return redirect("custody:item", public_id=item.public_id)
    return render(request, "custody/hash_form.html", {"item": item, "form": form})


@login_required
def sign_off_request(request: HttpRequest, public_id) -> HttpResponse:
    item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
    form = SignOffForm(request.POST or None, item=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.signoff_request(actor=request.user, item=item, **form.service_kwargs())
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Requested; a supervisor of the unit must countersign.")
            return redirect("custody:item", public_id=item.public_id)
    return render(request, "custody/sign_off_form.html", {"item": item, "form": form})


@login_required
@require_POST
def sign_off_decide(request: HttpRequest, pk: int) -> HttpResponse:
    sign_off = selectors.sign_off_get_for(user=request.user, pk=pk)
    try:
        if request.POST.get("decision") == "countersign":
            services.signoff_countersign(actor=request.user, sign_off=sign_off)
            messages.success(request, "Countersigned; the event is in the chain.")
        else:
            services.signoff_refuse(
                actor=request.user, sign_off=sign_off, reason=request.POST.get("reason", "")
            )
            messages.success(request, "Refused; the item stays as it was.")
    except DomainError as error:
        messages.error(request, error.text)
    return redirect("custody:item", public_id=sign_off.item.public_id)


@login_required
@require_POST
def event_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get_for(user=request.user, pk=pk)
    try:
        services.custody_acknowledge(actor=request.user, event=event)
        messages.success(request, f"You acknowledged event #{event.sequence}.")
    except DomainError as error:
        messages.error(request, error.text)
    return redirect("custody:item", public_id=event.item.public_id)


# --- reports and export --------------------------------------------------------------------


@login_required
def item_report(request: HttpRequest, public_id) -> HttpResponse:
    return item_report_response(request, public_id=public_id, pdf=False)


@login_required
def item_report_pdf(request: HttpRequest, public_id) -> HttpResponse:
    return item_report_response(request, public_id=public_id, pdf=True)


def item_report_response(request: HttpRequest, *, public_id, pdf: bool) -> HttpResponse:
    item = selectors.item_get_for(user=request.user, public_id=public_id, audit=False)
    return case_report(request, case=item.case, items=[item], pdf=pdf)


@login_required
def case_report_view(request: HttpRequest, number: str) -> HttpResponse:
    case, items = selectors.case_items_with_chains(user=request.user, number=number)
    return case_report(request, case=case, items=items, pdf=False)


@login_required
def case_report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    case, items = selectors.case_items_with_chains(user=request.user, number=number)
    return case_report(request, case=case, items=items, pdf=True)


@login_required
def case_export_view(request: HttpRequest, number: str) -> HttpResponse:
    case, items = selectors.case_items_with_chains(user=request.user, number=number)
    document = case_export(user=request.user, case=case, items=items)
    response = HttpResponse(
        json.dumps(document, indent=2), content_type="application/ld+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{case.number}-case-uco.jsonld"'
    return response


@login_required
def court_bundle_view(request: HttpRequest, number: str) -> HttpResponse:
    case = court_bundle_case(user=request.user, number=number)
    try:
        bundle = court_bundle_export(user=request.user, case=case)
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.text)
        return redirect("custody:case-items", number=case.number)
    return court_bundle_response(bundle)


# --- evidence stores (administrators) -------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not request.user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied


@login_required
def store_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = StoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            store = services.store_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                identifier_pattern=form.cleaned_data["identifier_pattern"],
                metadata_api_url=form.cleaned_data["metadata_api_url"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{store} registered.")
            return redirect("custody:stores")
    stores = list(selectors.store_list())
    return render(request, "custody/store_list.html", {"stores": stores, "form": form})


@login_required
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    store = get_object_or_404(EvidenceStore, pk=pk)
    # The form writes into its instance while validating; the service needs the store as it
    # was, to audit before and after, so the form gets a copy instead of a second query.
    form = StoreForm(request.POST or None, instance=copy.copy(store))
    form.fields["name"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.store_update(
                actor=request.user,
                store=store,
                identifier_pattern=form.cleaned_data["identifier_pattern"],
                metadata_api_url=form.cleaned_data["metadata_api_url"],
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{store} updated.")
            return redirect("custody:stores")
    return render(request, "custody/store_form.html", {"store": store, "form": form})

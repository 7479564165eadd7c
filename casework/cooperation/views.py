"""Pages: partner keys (administrators), pointer exchanges (supervisors, administrators), and
confirming a hit from the case page. Anyone else gets 404, as for any record they may not see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework.accounts.decorators import two_factor_verified
from casework.cases.selectors import case_get_for
from casework.core.errors import DomainError
from casework.core.validation import check_integer
from casework.partners import key_services
from casework.partners.key_models import PartnerKey

from . import conf, selectors, services
from .forms import InstallationForm, KeyForm, RevokeForm, SharingUnitForm
from .models import SharingUnit


def _keys_page(
    request: HttpRequest, *, form=None, sharing_form=None, status: int = 200
) -> HttpResponse:
    installations = selectors.installations_for(user=request.user)
    return render(
        request,
        "cooperation/keys.html",
        {
            "installations": installations,
            "form": form or InstallationForm(),
            "sharing_form": sharing_form or SharingUnitForm(),
            "sharing_units": SharingUnit.objects.select_related("unit").order_by("unit__name"),
            "key_form": KeyForm(),
            "revoke_form": RevokeForm(),
            "our_issuer": conf.issuer(),
            "our_key": conf.public_key_base64(),
            "our_key_id": conf.signing_key_id(),
            "group_key_id": conf.current_group_key().key_id,
        },
        status=status,
    )


@two_factor_verified
def keys(request: HttpRequest) -> HttpResponse:
    selectors.installations_for(user=request.user)  # 404 before reading a form
    if request.method != "POST":
        return _keys_page(request)
    form = InstallationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            key_services.partner_installation_register(
                actor=request.user,
                agency=data["agency"],
                issuer=data["issuer"],
                public_key=data["public_key"],
                url=data["url"],
                service_account=data["service_account"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request, f"{data['agency']} is registered: its signed sets are accepted."
            )
            return redirect("cooperation:keys")
    return _keys_page(request, form=form, status=400)


def _one_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    messages.error(request, error.text)
    return redirect("cooperation:keys")


@two_factor_verified
@require_POST
def key_add(request: HttpRequest, pk: int) -> HttpResponse:
    installation = selectors.installation_for(user=request.user, pk=pk)
    form = KeyForm(request.POST)
    if not form.is_valid():
        return _one_error(
            request, DomainError(" ".join(form.errors.get("public_key", ["Give the key."])))
        )
    try:
        key = key_services.partner_key_add(
            actor=request.user,
            installation=installation,
            public_key=form.cleaned_data["public_key"],
        )
    except DomainError as error:
        return _one_error(request, error)
    messages.success(request, f"Key {key.key_id} added to {installation}.")
    return redirect("cooperation:keys")


def _reason(request: HttpRequest) -> str:
    form = RevokeForm(request.POST)
    if not form.is_valid():
        raise DomainError("Say why, for the audit trail.", field="reason")
    return form.cleaned_data["reason"]


@two_factor_verified
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.installations_for(user=request.user)
    key = PartnerKey.objects.select_related("installation").filter(pk=pk).first()
    if key is None:
        raise selectors.NotFound()
    try:
        key_services.partner_key_revoke(actor=request.user, key=key, reason=_reason(request))
    except DomainError as error:
        return _one_error(request, error)
    messages.success(request, f"Key {key.key_id} is revoked: sets it signs are refused.")
    return redirect("cooperation:keys")


@two_factor_verified
@require_POST
def installation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    installation = selectors.installation_for(user=request.user, pk=pk)
    try:
        key_services.partner_installation_revoke(
            actor=request.user, installation=installation, reason=_reason(request)
        )
    except DomainError as error:
        return _one_error(request, error)
    messages.success(
        request, f"{installation} is revoked: its pointers are deleted, its sets refused."
    )
    return redirect("cooperation:keys")


@two_factor_verified
@require_POST
def sharing_unit(request: HttpRequest) -> HttpResponse:
    selectors.installations_for(user=request.user)
    form = SharingUnitForm(request.POST)
    if form.is_valid():
        try:
            services.sharing_unit_update(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            verb = "shares" if form.cleaned_data["active"] else "no longer shares"
            messages.success(request, f"{form.cleaned_data['unit']} {verb} pointers.")
            return redirect("cooperation:keys")
    return _keys_page(request, sharing_form=form, status=400)


@login_required
def exchanges(request: HttpRequest) -> HttpResponse:
    before = request.GET.get("before")
    try:
        before_id = (
            check_integer(before, field="before", minimum=1, maximum=2**62) if before else None
        )
    except DomainError:
        before_id = None
    rows = selectors.exchanges_for(user=request.user, before=before_id)
    older = (
        f"{reverse('cooperation:exchanges')}?before={rows[-1].pk}"
        if len(rows) == selectors.EXCHANGES_SHOWN
        else ""
    )
    return render(request, "cooperation/exchanges.html", {"exchanges": rows, "older": older})


@login_required
@require_POST
def hit_confirm(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case_get_for(user=request.user, number=number)  # 404 for a case one may not see
    try:
        services.pointer_hit_confirm(actor=request.user, case_number=number, hit_id=pk)
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, error.text)
    else:
        messages.success(request, "Hit confirmed; the partner agency is told.")
    return redirect(reverse("cases:detail", args=[number]) + "#partner-hits")

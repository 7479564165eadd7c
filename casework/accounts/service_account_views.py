"""The administrators' page for service accounts and their API tokens."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.validators import MaxValueValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.core.errors import DomainError
from casework.core.forms import CaseworkForm

from . import service_accounts as sa
from .choices import Role
from .decorators import two_factor_verified
from .models import ApiToken, Unit


def _administrator(request: HttpRequest) -> None:
    # Others learn nothing of the page, as of any record they may not see.
    if not (request.user.has_role(Role.ADMINISTRATOR) or request.user.is_superuser):
        raise Http404


class ServiceAccountForm(CaseworkForm):
    name = forms.SlugField(
        label="Name",
        max_length=60,
        help_text="Lower-case letters, digits and hyphens, e.g. hotline-intake. Its actions are "
        "audited under svc- and the name (svc-hotline-intake).",
    )
    description = forms.CharField(
        label="What it is for", max_length=200, required=False, help_text="Optional."
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[(role.value, role.label) for role in sa.SERVICE_ROLES],
        help_text="What it may do and see, as a person with this role would.",
    )
    unit = forms.ModelChoiceField(
        label="Unit",
        queryset=Unit.objects.order_by("name"),
        required=False,
        help_text="Needed for an investigator or a supervisor.",
    )
    expires_in_days = forms.IntegerField(label="Token lifetime in days", min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["expires_in_days"]
        days.initial = settings.CASEWORK_API_TOKEN_DAYS
        longest = settings.CASEWORK_API_TOKEN_MAX_DAYS
        days.validators.append(MaxValueValidator(longest))
        days.widget.attrs["max"] = longest
        days.help_text = f"From 1 to {longest}. The first token stops after this."


@never_cache
@two_factor_verified
def service_account_list(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    accounts = sa.service_accounts_for(user=request.user)
    return render(
        request,
        "accounts/service_accounts/list.html",
        {"accounts": accounts, "now": timezone.now()},
    )


def _issued(request: HttpRequest, token: ApiToken, secret: str, verb: str) -> HttpResponse:
    # Rendered in answer to the POST, never stored: the secret exists only in this response
    # (sent with no-store, like every page).
    return render(
        request,
        "accounts/service_accounts/issued.html",
        {"token": token, "secret": secret, "verb": verb},
    )


@never_cache
@two_factor_verified
def service_account_create(request: HttpRequest) -> HttpResponse:
    _administrator(request)
    form = ServiceAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, secret = sa.service_account_create(
                name=data["name"],
                description=data["description"],
                role=data["role"],
                unit=data["unit"],
                expires_in_days=data["expires_in_days"],
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            return _issued(request, account.tokens.get(), secret, "created")
    return render(
        request,
        "accounts/service_accounts/create.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@two_factor_verified
@require_POST
def api_token_issue(request: HttpRequest, name: str) -> HttpResponse:
    _administrator(request)
    account = get_object_or_404(sa.service_accounts_for(user=request.user), name=name)
    token, secret = sa.api_token_create(service_account=account, actor=request.user)
    return _issued(request, token, secret, "issued")


def _token(request: HttpRequest, pk: int) -> ApiToken:
    _administrator(request)
    return get_object_or_404(ApiToken.objects.select_related("service_account"), pk=pk)


@two_factor_verified
@require_POST
def api_token_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    token = _token(request, pk)
    try:
        new, secret = sa.api_token_rotate(token=token, actor=request.user)
    except DomainError as error:
        messages.error(request, error.text)
        return redirect("accounts:service-accounts")
    return _issued(request, new, secret, "rotated")


@two_factor_verified
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = _token(request, pk)
    try:
        sa.api_token_revoke(token=token, actor=request.user)
    except DomainError as error:
        messages.error(request, error.text)
    else:
        messages.success(
            request,
            f"Token {token.prefix}… of {token.service_account.name} is revoked: "
            "it no longer works.",
        )
    return redirect("accounts:service-accounts")

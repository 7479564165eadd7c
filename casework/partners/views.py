"""Web pages for partners: the directory, partner work on a case or referral, supervision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework.accounts.choices import Role
from casework.cases.selectors import case_get_for
from casework.core.csv import NeutralisingWriter
from casework.core.errors import DomainError, NotFound
from casework.referrals.selectors import referral_get_for

from . import selectors, services
from .choices import REQUEST_TRANSITIONS, HandlingCode
from .forms import (
    AgencyForm,
    AgencySearchForm,
    CommunicationForm,
    ContactForm,
    ReferOutForm,
    RequestForm,
    RequestStatusForm,
)
from .validators import country_name

DIRECTORY_PAGE = 100


def _can_edit_directory(user) -> bool:
    return user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _can_work(user) -> bool:
    return user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)


# --- directory ---------------------------------------------------------------------------------


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    form = AgencySearchForm(request.GET or None)
    filters = {"query": "", "country": "", "kind": "", "icse": None}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"],
            "country": data["country"],
            "kind": data["kind"],
            "icse": {"yes": True, "no": False}.get(data["icse"]),
        }
    agencies = list(selectors.agencies_search(user=request.user, **filters)[: DIRECTORY_PAGE + 1])
    context = {
        "form": form,
        "agencies": agencies[:DIRECTORY_PAGE],
        "more": len(agencies) > DIRECTORY_PAGE,
        "can_edit": _can_edit_directory(request.user),
    }
    template = "partners/_agency_rows.html" if request.htmx else "partners/directory.html"
    return render(request, template, context)


@login_required
def agency_new(request: HttpRequest) -> HttpResponse:
    if not _can_edit_directory(request.user):
        raise NotFound("No such page.")
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(
                actor=request.user,
                **{k: v for k, v in form.cleaned_data.items() if k != "duty_contact"},
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{agency.name} added to the directory.")
            return redirect("partners:agency", pk=agency.pk)
    return render(request, "partners/agency_form.html", {"form": form, "agency": None})


@login_required
def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_get(user=request.user, pk=pk)
    contacts = list(selectors.contacts_of(user=request.user, agency=agency))
    return render(
        request,
        "partners/agency_detail.html",
        {
            "agency": agency,
            "country_name": country_name(agency.country),
            "contacts": contacts,
            "can_edit": _can_edit_directory(request.user),
        },
    )


@login_required
def agency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_get(user=request.user, pk=pk)
    if not _can_edit_directory(request.user):
        raise NotFound("No such page.")
    initial = {
        "name": agency.name,
        "country": agency.country,
        "kind": agency.kind,
        "icse_connected": agency.icse_connected,
        "duty_line": agency.duty_line,
        "duty_contact": agency.duty_contact_id,
        "notes": agency.notes,
    }
    form = AgencyForm(request.POST or None, initial=initial, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(actor=request.user, agency=agency, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Agency updated.")
            return redirect("partners:agency", pk=agency.pk)
    return render(request, "partners/agency_form.html", {"form": form, "agency": agency})


@login_required
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_get(user=request.user, pk=pk)
    if not _can_edit_directory(request.user):
        raise NotFound("No such page.")
    form = ContactForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                actor=request.user, agency=agency, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{contact.name} added.")
            return redirect("partners:agency", pk=agency.pk)
    return render(
        request, "partners/contact_form.html", {"form": form, "agency": agency, "contact": None}
    )


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    history = list(selectors.contact_history(user=request.user, contact=contact))
    return render(
        request,
        "partners/contact_detail.html",
        {"contact": contact, "history": history, "can_edit": _can_edit_directory(request.user)},
    )


@login_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    if not _can_edit_directory(request.user):
        raise NotFound("No such page.")
    initial = {field: getattr(contact, field) for field in services.CONTACT_FIELDS}
    initial["languages"] = ", ".join(contact.languages)
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=request.user, contact=contact, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Contact updated; the earlier version is kept.")
            return redirect("partners:contact", pk=contact.pk)
    return render(
        request,
        "partners/contact_form.html",
        {"form": form, "agency": contact.agency, "contact": contact},
    )


@login_required
def contact_options(request: HttpRequest) -> HttpResponse:
    """``<option>`` elements for the active contacts of ``?agency=`` (htmx on the work forms)."""
    agency_id = request.GET.get("agency", "")
    contacts = []
    if agency_id.isdigit():
        agency = selectors.agency_get(user=request.user, pk=int(agency_id))
        contacts = list(
            selectors.contacts_of(user=request.user, agency=agency, include_inactive=False)
        )
    return render(request, "partners/_contact_options.html", {"contacts": contacts})


# --- work on a case or a referral --------------------------------------------------------------


class _Record:
    """The case or referral a page is about, found through its own selector (404 if unseen)."""

    def __init__(self, request: HttpRequest, *, number: str | None = None, pk: int | None = None):
        self.case = self.referral = None
        if number is not None:
            self.case = case_get_for(user=request.user, number=number)
            self.label = f"Case {self.case.number}"
            self.args = {"number": self.case.number}
            self.prefix = "partners:case"
        else:
            self.referral = referral_get_for(user=request.user, pk=pk)
            self.label = f"Referral {self.referral.source_reference}"
            self.args = {"pk": self.referral.pk}
            self.prefix = "partners:referral"

    @property
    def on(self) -> dict:
        return {"case": self.case, "referral": self.referral}

    def url(self, suffix: str = "") -> str:
        name = f"{self.prefix}-{suffix}" if suffix else self.prefix
        return reverse(name, kwargs=self.args)


def _record(request, number=None, pk=None) -> _Record:
    return _Record(request, number=number, pk=pk)


@login_required
def record_partners(request: HttpRequest, number: str | None = None, pk: int | None = None):
    record = _record(request, number, pk)
    communications = list(selectors.communications_for(user=request.user, **record.on)[:200])
    partner_requests = list(selectors.requests_for(user=request.user, **record.on)[:200])
    return render(
        request,
        "partners/record.html",
        {
            "record": record,
            "communications": communications,
            "partner_requests": partner_requests,
            "can_work": _can_work(request.user),
        },
    )


@login_required
def communication_new(request: HttpRequest, number: str | None = None, pk: int | None = None):
    record = _record(request, number, pk)
    if not _can_work(request.user):
        raise NotFound("No such page.")
    form = CommunicationForm(
        request.POST or None, requests=selectors.requests_for(user=request.user, **record.on)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.communication_record(actor=request.user, **record.on, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Communication logged.")
            return redirect(record.url())
    return render(
        request,
        "partners/work_form.html",
        {"form": form, "record": record, "heading": "Log a communication"},
    )


@login_required
def communications_csv(request: HttpRequest, number: str | None = None, pk: int | None = None):
    record = _record(request, number, pk)
    rows = selectors.communications_export(user=request.user, **record.on)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = record.case.number if record.case else f"referral-{record.referral.pk}"
    response["Content-Disposition"] = f'attachment; filename="communications-{slug}.csv"'
    # Summaries and names come from people and partners: neutralise them (formula injection).
    writer = NeutralisingWriter(response)
    writer.writerow(
        [
            "when (UTC)",
            "direction",
            "channel",
            "agency",
            "country",
            "contact",
            "handling code",
            "summary",
            "recorded by",
        ]
    )
    for c in rows:
        writer.writerow(
            [
                c.occurred_at.isoformat(),
                c.get_direction_display(),
                c.get_channel_display(),
                c.agency.name,
                c.agency.country,
                c.contact.name if c.contact else "",
                c.get_handling_code_display() if c.handling_code else "Not marked (incoming)",
                c.summary,
                c.recorded_by.get_username(),
            ]
        )
    return response


@login_required
def request_new(request: HttpRequest, number: str | None = None, pk: int | None = None):
    record = _record(request, number, pk)
    if not _can_work(request.user):
        raise NotFound("No such page.")
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_create(actor=request.user, **record.on, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Request drafted. Mark it sent when it goes out.")
            return redirect("partners:request", pk=created.pk)
    return render(
        request,
        "partners/work_form.html",
        {"form": form, "record": record, "heading": "New request"},
    )


@login_required
def refer_out(request: HttpRequest, number: str | None = None, pk: int | None = None):
    record = _record(request, number, pk)
    if not _can_work(request.user):
        raise NotFound("No such page.")
    form = ReferOutForm(
        request.POST or None, initial={"handling_code": HandlingCode.LAW_ENFORCEMENT}
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_refer_out(
                actor=request.user, **record.on, **form.cleaned_data
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Referred out; waiting for acknowledgement.")
            return redirect("partners:request", pk=created.pk)
    return render(
        request,
        "partners/work_form.html",
        {"form": form, "record": record, "heading": "Refer out to another agency"},
    )


@login_required
def request_detail(request: HttpRequest, pk) -> HttpResponse:
    partner_request = selectors.request_get_for(user=request.user, pk=pk)
    allowed = sorted(REQUEST_TRANSITIONS[partner_request.status])
    form = RequestStatusForm(allowed=allowed) if allowed and _can_work(request.user) else None
    return _request_page(request, partner_request, form)


def _request_page(request, partner_request, form, status=200):
    communications = list(
        selectors.communications_visible_to(request.user)
        .filter(request=partner_request)
        .select_related("agency", "contact")
        .order_by("-occurred_at")
    )
    return render(
        request,
        "partners/request_detail.html",
        {"req": partner_request, "form": form, "communications": communications},
        status=status,
    )


@login_required
@require_POST
def request_status(request: HttpRequest, pk) -> HttpResponse:
    partner_request = selectors.request_get_for(user=request.user, pk=pk)
    if not _can_work(request.user):
        raise NotFound("No such page.")
    allowed = sorted(REQUEST_TRANSITIONS[partner_request.status])
    form = RequestStatusForm(request.POST, allowed=None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.request_change_status(
                actor=request.user,
                request=partner_request,
                status=data["status"],
                at=data["at"],
                note=data["note"],
                external_reference=data["external_reference"] or None,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            said = " ".join(clock.sentence() for clock in getattr(changed, "started_clocks", ()))
            messages.success(request, f"Request updated. {said}".strip())
            return redirect("partners:request", pk=partner_request.pk)
    form.fields["status"].choices = [c for c in form.fields["status"].choices if c[0] in allowed]
    return _request_page(request, partner_request, form, status=400)


@login_required
def communication_detail(request: HttpRequest, pk) -> HttpResponse:
    communication = selectors.communication_get_for(user=request.user, pk=pk)
    return render(request, "partners/communication_detail.html", {"c": communication})


# --- supervision -------------------------------------------------------------------------------


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.SUPERVISOR, Role.INVESTIGATOR):
        raise NotFound("No such page.")
    return render(
        request,
        "partners/supervision.html",
        {
            "open_rows": selectors.open_requests_by_agency(user=request.user),
            "response_rows": selectors.response_times(user=request.user),
        },
    )

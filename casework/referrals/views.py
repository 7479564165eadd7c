"""Referral pages: the queue, intake, detail and triage. Thin: they read through ``selectors``
(which decide access and audit views) and write through ``services``; a referral one may not see
is the ordinary 404 page."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.accounts.choices import Role
from casework.audit.services import audit_record
from casework.cases.selectors import case_get_for, case_is_visible
from casework.core.csv import csv_lines
from casework.core.errors import DomainError, FieldError

from . import forms, selectors, services
from .choices import IntakeChannel
from .models import Referral

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
_IDENTIFIER_FIELD = re.compile(r"^identifiers\[(\d+)\]\.(\w+)$")


def _require_worker(request: HttpRequest) -> None:
    user = request.user
    if not user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise Http404("Referrals are for investigators and supervisors.")


def _filters(request: HttpRequest) -> tuple[forms.QueueFilterForm, selectors.QueueFilters]:
    form = forms.QueueFilterForm(request.GET or None, initial={"status": "open"})
    data = form.cleaned_data if form.is_valid() else {}
    return form, selectors.QueueFilters(
        status=data.get("status") or "open",
        priority=data.get("priority", ""),
        source_kind=data.get("source_kind", ""),
        overdue=bool(data.get("overdue")),
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open referrals, least time left first, in pages of 50 (keyset on the triage clock)."""
    _require_worker(request)
    form, filters = _filters(request)
    rows, next_cursor = selectors.referral_page(
        user=request.user, filters=filters, after=request.GET.get("after", ""), size=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("after", None)
    export_query = query.urlencode()
    if next_cursor:
        query["after"] = next_cursor
    context = {
        "form": form,
        "referrals": rows,
        "now": timezone.now(),
        "next_query": query.urlencode() if next_cursor else "",
        "export_query": export_query,
    }
    template = "referrals/_queue_rows.html" if request.htmx else "referrals/queue.html"
    return render(request, template, context)


@login_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered queue as CSV (formula-safe), written to the audit trail."""
    _require_worker(request)
    _, filters = _filters(request)
    queryset = selectors.referral_queue(user=request.user, filters=filters)
    count = queryset.count()
    audit_record(
        actor=request.user,
        action="referral.export",
        object_type=Referral._meta.label_lower,
        details={"filters": filters.as_query(), "rows": min(count, EXPORT_LIMIT)},
    )
    header = [
        "id",
        "source_kind",
        "source_agency",
        "source_reference",
        "received_at",
        "priority",
        "source_priority",
        "status",
        "triage_due_at",
        "incident_type",
        "jurisdiction",
        "case",
    ]
    rows = (
        [
            r.pk,
            r.source_kind,
            r.source_agency,
            r.source_reference,
            r.received_at.isoformat(),
            r.priority,
            r.source_priority,
            r.status,
            r.triage_due_at.isoformat() if r.triage_due_at else "",
            r.incident_type.code if r.incident_type else "",
            r.jurisdiction,
            r.case.number if r.case else "",
        ]
        for r in queryset[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="referrals.csv"'
    return response


def _to_form_rows(error: DomainError, form_index: list[int]) -> DomainError:
    """The service numbers identifiers as sent (blank rows dropped); the page by form row."""
    remapped = []
    for problem in error.errors:
        match = _IDENTIFIER_FIELD.match(problem.field or "")
        if match and int(match.group(1)) < len(form_index):
            name = f"identifiers[{form_index[int(match.group(1))]}].{match.group(2)}"
            problem = FieldError(name, problem.message, problem.code)
        remapped.append(problem)
    return DomainError(errors=remapped, status=error.status)


def _attach_errors(error: DomainError, form, formset) -> None:
    """Put each service error on the field it concerns, identifier rows included."""
    for problem in error.errors:
        match = _IDENTIFIER_FIELD.match(problem.field or "")
        if match and int(match.group(1)) < len(formset.forms):
            row = formset.forms[int(match.group(1))]
            name = match.group(2) if match.group(2) in row.fields else None
            row.add_error(name, problem.message)
        elif problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        else:
            form.add_error(None, problem.message)


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """Record a referral that arrived by e-mail, phone or letter."""
    user = request.user
    if not user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR) or user.unit_id is None:
        raise Http404("Only investigators of a unit record referrals.")
    form = forms.ReferralForm(request.POST or None)
    formset = forms.IdentifierFormSet(request.POST or None, prefix="identifiers")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = dict(form.cleaned_data)
        data["incident_type"] = data["incident_type"].code if data["incident_type"] else ""
        # Blank rows are dropped, so remember which form each identifier came from.
        rows = [
            (i, f.cleaned_data) for i, f in enumerate(formset.forms) if f.cleaned_data.get("kind")
        ]
        data["identifiers"] = [row for _, row in rows]
        try:
            result = services.referral_receive(
                actor=user, unit=user.unit, data=data, channel=IntakeChannel.WEB
            )
        except DomainError as error:
            _attach_errors(_to_form_rows(error, [index for index, _ in rows]), form, formset)
        else:
            referral = result.referral
            if not result.duplicate:
                messages.success(request, f"Referral {referral.source_reference} recorded.")
                return redirect("referrals:detail", pk=referral.pk)
            if selectors.referrals_visible_to(user).filter(pk=referral.pk).exists():
                messages.warning(
                    request,
                    "This report was already received: the arrival is linked to it.",
                )
                return redirect("referrals:detail", pk=referral.pk)
            form.add_error(
                "source_reference",
                f"This report was already received by {referral.unit.name}; the arrival is "
                "linked to it. Ask its supervisors.",
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "referrals/intake.html", {"form": form, "formset": formset}, status=status
    )


def _detail_context(request: HttpRequest, referral: Referral, **given) -> dict:
    user = request.user
    return {
        "referral": referral,
        "identifiers": list(referral.identifiers.all()),
        "duplicates": referral.duplicate_arrivals.count(),
        "now": timezone.now(),
        "can_triage": referral.is_open and user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR),
        "accept_form": given.get("accept_form") or forms.AcceptForm(),
        "decline_form": given.get("decline_form") or forms.DeclineForm(),
        "refer_out_form": given.get("refer_out_form") or forms.ReferOutForm(),
        "priority_form": given.get("priority_form")
        or forms.PriorityForm(initial={"priority": referral.priority}),
        "identifier_form": given.get("identifier_form") or forms.IdentifierForm(),
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_detail_for(user=request.user, pk=pk)
    if referral.disposed_at is not None:
        # Disposed of under the retention schedule: what remains is the tombstone.
        return render(request, "referrals/disposed.html", {"referral": referral})
    return render(request, "referrals/detail.html", _detail_context(request, referral))


def _action(request: HttpRequest, pk: int, form_name: str, form, act) -> HttpResponse:
    """Run one triage form: on success back to the detail page, on a refusal re-render it with
    the service's message on the form."""
    referral = selectors.referral_get_for(user=request.user, pk=pk)
    refusal = ""
    if form is None or form.is_valid():
        try:
            message = act(referral, form.cleaned_data if form is not None else {})
        except DomainError as error:
            if form is None:
                messages.error(request, error.text)
                return redirect("referrals:detail", pk=pk)
            error.add_to_form(form)
            refusal = error.text
        else:
            # An action may name where its result lives (accepting leads to the case).
            message, target = message if isinstance(message, tuple) else (message, None)
            messages.success(request, message)
            if target is not None:
                return redirect(target)
            if selectors.referrals_visible_to(request.user).filter(pk=pk).exists():
                return redirect("referrals:detail", pk=pk)
            return redirect("referrals:queue")
    referral = selectors.referral_get_for(user=request.user, pk=pk)
    context = _detail_context(request, referral, **{form_name: form})
    # While the triage forms show, each message stands at its field; saying it again here
    # said it twice. Once triage has ended the forms are gone and this is the only place.
    context["refusal"] = "" if context["can_triage"] else refusal
    return render(request, "referrals/detail.html", context, status=400)


@login_required
@require_POST
def triage_start(request: HttpRequest, pk: int) -> HttpResponse:
    def act(referral, data):
        services.referral_triage_start(actor=request.user, referral=referral)
        return "Triage started."

    return _action(request, pk, "", None, act)


@login_required
@require_POST
def prioritise(request: HttpRequest, pk: int) -> HttpResponse:
    def act(referral, data):
        referral = services.referral_prioritise(
            actor=request.user, referral=referral, priority=data["priority"]
        )
        return f"Priority is now {referral.priority}; the triage clock follows it."

    return _action(request, pk, "priority_form", forms.PriorityForm(request.POST), act)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    def act(referral, data):
        case = None
        if data.get("case"):
            try:
                case = case_get_for(user=request.user, number=data["case"].strip())
            except DomainError as error:
                raise DomainError(error.message, field="case") from None
        referral = services.referral_accept(
            actor=request.user, referral=referral, case=case, title=data.get("title", "")
        )
        case = referral.case
        message = f"Accepted into case {case.number}."
        # The work now happens on the case: land there, unless the accepting user may not see
        # it (accepted into another lead's case), then the referral as before.
        if case_is_visible(user=request.user, case=case):
            return message, reverse("cases:detail", args=[case.number])
        return message

    return _action(request, pk, "accept_form", forms.AcceptForm(request.POST), act)


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    def act(referral, data):
        services.referral_decline(actor=request.user, referral=referral, reason=data["reason"])
        return "Referral declined."

    return _action(request, pk, "decline_form", forms.DeclineForm(request.POST), act)


@login_required
@require_POST
def refer_out(request: HttpRequest, pk: int) -> HttpResponse:
    def act(referral, data):
        services.referral_mark_referred_out(
            actor=request.user,
            referral=referral,
            agency_name=data["agency_name"],
            reference=data.get("reference", ""),
        )
        return f"Referred out to {data['agency_name']}."

    return _action(request, pk, "refer_out_form", forms.ReferOutForm(request.POST), act)


@login_required
@require_POST
def identifier_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(referral, data):
        row = services.referral_identifier_add(actor=request.user, referral=referral, data=data)
        found = len(getattr(row, "matches", []) or [])
        suffix = f" It is held in {found} case(s): see below." if found else ""
        return f"Identifier added.{suffix}"

    return _action(request, pk, "identifier_form", forms.IdentifierForm(request.POST), act)

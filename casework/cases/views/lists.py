"""The case lists (all, mine, my unit's), the closure queue and opening a case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casework.accounts.choices import Role
from casework.accounts.zones import in_user_zone
from casework.audit.services import audit_record
from casework.core.errors import DomainError
from casework.privacy.crypto import searched_text

from .. import forms, selectors, services


def _filters(request: HttpRequest, *, scope: str = "", open_only: bool = False):
    form = forms.CaseFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, selectors.CaseFilters(
        q=data.get("q", ""),
        status=data.get("status", ""),
        priority=data.get("priority", ""),
        scope=scope,
        open_only=open_only,
    )


def _list_page(request, *, title: str, scope: str = "", open_only: bool = False, intro: str = ""):
    form, filters = _filters(request, scope=scope, open_only=open_only)
    refused = ""
    if form.errors:
        # A search that cannot be run shows no cases: the whole list under an error would read
        # as the search's results. A partial (htmx) update does not redraw the form, so it
        # carries the form's messages itself.
        page = selectors.CasePage(cases=[], next_cursor=None)
        refused = (
            " ".join(message for messages in form.errors.values() for message in messages)
            if request.htmx
            else "No search was run; correct the filter above."
        )
    else:
        page = selectors.case_list(
            user=request.user, filters=filters, cursor=request.GET.get("after", "")
        )
    if filters.q:
        audit_record(
            actor=request.user,
            action="case.search",
            object_type="cases.case",
            details={
                **searched_text(filters.q),
                "status": filters.status,
                "priority": filters.priority,
            },
        )
    query = request.GET.copy()
    query.pop("after", None)
    if page.next_cursor:
        query["after"] = page.next_cursor
    context = {
        "title": title,
        "intro": intro,
        "form": form,
        "page": page,
        "refused": refused,
        "next_query": query.urlencode() if page.next_cursor else "",
        "can_open": request.user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
        and request.user.unit_id is not None,
    }
    template = "cases/_case_rows.html" if request.htmx else "cases/list.html"
    return render(request, template, context)


@login_required
@in_user_zone
def case_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, title="Cases", intro="Every case you have access to.")


@login_required
@in_user_zone
def my_cases(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request,
        title="My cases",
        scope="mine",
        open_only=True,
        intro="Open cases you lead or are assigned to.",
    )


@login_required
@in_user_zone
def unit_cases(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.SUPERVISOR) or request.user.unit_id is None:
        raise Http404("Only supervisors have a unit list.")
    return _list_page(
        request,
        title=f"{request.user.unit.name}: all cases",
        scope="unit",
        intro="Every case of your unit.",
    )


@login_required
@in_user_zone
def closure_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.SUPERVISOR):
        raise Http404("Only supervisors approve closures.")
    requests = list(selectors.closure_queue_for(request.user)[:200])
    return render(request, "cases/closures.html", {"requests": requests})


@login_required
@in_user_zone
def case_open(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR) or user.unit_id is None:
        raise Http404("Only investigators of a unit open cases.")
    investigators = selectors.unit_investigators(user.unit_id)
    form = forms.CaseOpenForm(
        request.POST or None,
        investigators=investigators,
        initial={"lead": user.pk},
        template_choices=selectors.case_template_choices(user=user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                actor=user,
                unit=user.unit,
                title=form.cleaned_data["title"],
                lead=form.cleaned_data["lead"],
                priority=form.cleaned_data["priority"],
                template_id=int(form.cleaned_data.get("template") or 0) or None,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"Case {case.number} opened.")
            if case.lead_id != user.pk and not selectors.case_is_visible(user=user, case=case):
                return redirect("cases:mine")
            return redirect("cases:detail", number=case.number)
    return render(request, "cases/open.html", {"form": form})

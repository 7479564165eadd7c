"""The case's overview and the forms on it: edit, status, priority, lead, assignees, closure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.accounts.zones import in_user_zone
from casework.core.errors import DomainError

from .. import closure, forms, selectors, services
from ..models import Case
from ._page import case_context, case_viewed


def _overview_context(request, case: Case, **forms_given) -> dict:
    unit_people = selectors.unit_investigators(case.unit_id)
    header = selectors.case_header(user=request.user, case=case)
    return case_context(
        request,
        case,
        "overview",
        header=header,
        assignees=header.assignees,
        open_tasks=selectors.case_open_tasks(case),
        pending=selectors.pending_closure(case),
        edit_form=forms_given.get("edit_form")
        or forms.CaseEditForm(initial={"title": case.title, "summary": case.summary}),
        status_form=forms_given.get("status_form") or forms.StatusForm(),
        priority_form=forms_given.get("priority_form")
        or forms.PriorityForm(initial={"priority": case.priority}),
        lead_form=forms_given.get("lead_form")
        or forms.PersonForm(people=unit_people, label="New lead"),
        assign_form=forms_given.get("assign_form")
        or forms.PersonForm(people=unit_people, label="Assign investigator"),
        close_form=forms_given.get("close_form") or forms.CloseRequestForm(),
        decision_form=forms_given.get("decision_form") or forms.CloseDecisionForm(),
        is_requester=False,
    )


@login_required
@in_user_zone
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = case_viewed(request, number, "overview")
    if case.disposed_at is not None:
        # Disposed of under the retention schedule: what remains is the tombstone.
        return render(request, "cases/disposed.html", {"case": case})
    if case.merged_into_id and selectors.case_is_visible(user=request.user, case=case.merged_into):
        # A merged duplicate's number still finds the case: it leads to the original.
        messages.info(request, f"{case.number} was merged into {case.merged_into.number}.")
        return redirect("cases:detail", number=case.merged_into.number)
    return render(request, "cases/detail_overview.html", _overview_context(request, case))


def _overview_action(request: HttpRequest, number: str, form_name: str, form, action):
    """Run one overview form: on success back to the overview, on a refusal re-render it with
    the service's message on the form."""
    case = selectors.case_get_for(user=request.user, number=number)
    if form.is_valid():
        try:
            message = action(case, form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, message)
            return redirect("cases:detail", number=case.number)
    context = _overview_context(request, case, **{form_name: form})
    return render(request, "cases/detail_overview.html", context, status=400)


@login_required
@in_user_zone
@require_POST
def case_edit(request, number):
    def act(case, data):
        services.case_update(
            actor=request.user, case=case, title=data["title"], summary=data["summary"]
        )
        return "Case updated."

    return _overview_action(request, number, "edit_form", forms.CaseEditForm(request.POST), act)


@login_required
@in_user_zone
@require_POST
def case_status(request, number):
    def act(case, data):
        services.case_change_status(
            actor=request.user, case=case, status=data["status"], reason=data["reason"]
        )
        return f"Status is now {case.get_status_display().lower()}."

    return _overview_action(request, number, "status_form", forms.StatusForm(request.POST), act)


@login_required
@in_user_zone
@require_POST
def case_priority(request, number):
    def act(case, data):
        services.case_change_priority(actor=request.user, case=case, priority=data["priority"])
        return f"Priority is now {case.priority}."

    return _overview_action(request, number, "priority_form", forms.PriorityForm(request.POST), act)


def _person_form(request, case_number: str, label: str):
    case = selectors.case_get_for(user=request.user, number=case_number)
    return forms.PersonForm(
        request.POST, people=selectors.unit_investigators(case.unit_id), label=label
    )


@login_required
@in_user_zone
@require_POST
def case_lead(request, number):
    def act(case, data):
        services.case_change_lead(actor=request.user, case=case, lead=data["user"])
        return f"{data['user'].get_username()} now leads the case."

    form = _person_form(request, number, "New lead")
    return _overview_action(request, number, "lead_form", form, act)


@login_required
@in_user_zone
@require_POST
def case_assign(request, number):
    def act(case, data):
        if not selectors.can_manage_case(request.user, case):
            raise DomainError("Only the lead or a supervisor assigns investigators.", status=403)
        services.case_assign(actor=request.user, case=case, user=data["user"])
        return f"{data['user'].get_username()} assigned."

    form = _person_form(request, number, "Assign investigator")
    return _overview_action(request, number, "assign_form", form, act)


@login_required
@in_user_zone
@require_POST
def case_unassign(request, number):
    case = selectors.case_get_for(user=request.user, number=number)
    user_id = request.POST.get("user", "")
    assignment = (
        selectors.case_assignees(case).filter(user_id=int(user_id)).first()
        if user_id.isdigit()
        else None
    )
    if assignment is None:
        raise Http404("No such assignee.")
    if not selectors.can_manage_case(request.user, case):
        messages.error(request, "Only the lead or a supervisor removes investigators.")
    else:
        try:
            services.case_unassign(actor=request.user, case=case, user=assignment.user)
        except DomainError as error:
            messages.error(request, error.text)
        else:
            messages.success(request, f"{assignment.user.get_username()} removed from the case.")
    return redirect("cases:detail", number=case.number)


def _closure_page(request, case, form, *, status=200, decision_form=None):
    pending = selectors.pending_closure(case)
    return render(
        request,
        "cases/closure.html",
        case_context(
            request,
            case,
            "overview",
            form=form,
            pending=pending,
            carried_keys=closure.carried_keys(pending.carried) if pending else set(),
            carried=closure.carried_for_display(pending.carried) if pending else [],
            decision_form=decision_form or forms.CloseDecisionForm(),
        ),
        status=status,
    )


@login_required
@in_user_zone
def case_close_request(request, number):
    """The closure checklist: every open item, court dates first, each to resolve or carry with
    a reason; the same page shows a pending request, its carried items, and the decision."""
    if request.method != "POST":
        case = case_viewed(request, number, "closure")
        form = forms.ClosureChecklistForm(open_items=closure.case_open_items(case=case))
        return _closure_page(request, case, form)
    case = selectors.case_get_for(user=request.user, number=number)
    form = forms.ClosureChecklistForm(request.POST, open_items=closure.case_open_items(case=case))
    if form.is_valid():
        try:
            services.case_close_request(
                actor=request.user,
                case=case,
                reason=form.cleaned_data["reason"],
                outcome=form.cleaned_data["outcome"],
                carried=form.carried(),
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Closure requested: a supervisor of the unit will decide.")
            return redirect("cases:detail", number=case.number)
    return _closure_page(request, case, form, status=400)


@login_required
@in_user_zone
@require_POST
def case_close_decide(request, number, decision: str):
    def act(case, data):
        if decision == "approve":
            services.case_close_approve(actor=request.user, case=case, note=data["note"])
            return f"{case.number} closed."
        services.case_close_reject(actor=request.user, case=case, note=data["note"])
        return "Closure rejected; the case stays open."

    form = forms.CloseDecisionForm(request.POST)
    if request.POST.get("next") == "queue":
        case = selectors.case_get_for(user=request.user, number=number)
        if form.is_valid():
            try:
                messages.success(request, act(case, form.cleaned_data))
            except DomainError as error:
                messages.error(request, error.text)
        return redirect("cases:closures")
    if request.POST.get("next") == "closure":
        case = selectors.case_get_for(user=request.user, number=number)
        if form.is_valid():
            try:
                messages.success(request, act(case, form.cleaned_data))
            except DomainError as error:
                error.add_to_form(form)
            else:
                return redirect("cases:detail", number=case.number)
        checklist = forms.ClosureChecklistForm(open_items=closure.case_open_items(case=case))
        return _closure_page(request, case, checklist, status=400, decision_form=form)
    return _overview_action(request, number, "decision_form", form, act)

"""Case pages. Thin: they read through ``selectors`` (which decide access and audit views) and
write through ``services``; a case one may not see is the ordinary 404 page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework.accounts.choices import Role
from casework.accounts.zones import in_user_zone
from casework.audit.services import audit_record
from casework.core.csv import csv_lines
from casework.core.errors import DomainError
from casework.privacy.crypto import searched_text

from . import chronology, closure, forms, selectors, services
from .models import Case

TABS = [
    ("overview", "Overview", "cases:detail"),
    ("subjects", "Subjects", "cases:subjects"),
    ("identifiers", "Identifiers", "cases:identifiers"),
    ("victims", "Victims", "cases:victims"),
    ("notes", "Notes", "cases:notes"),
    ("tasks", "Tasks", "cases:tasks"),
    ("chronology", "Chronology", "cases:chronology"),
]


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


# --- One case ----------------------------------------------------------------------------------


def _case_context(request: HttpRequest, case: Case, tab: str, **extra) -> dict:
    user = request.user
    is_supervisor = selectors.is_unit_supervisor(user, case.unit_id)
    context = {
        "case": case,
        "tab": tab,
        "tabs": [(key, label, reverse(name, args=[case.number])) for key, label, name in TABS],
        "can_manage": selectors.can_manage_case(user, case),
        "is_supervisor": is_supervisor,
        "can_write": not case.is_closed
        and user.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR),
    }
    context.update(extra)
    return context


def _case(request: HttpRequest, number: str, tab: str) -> Case:
    return selectors.case_view(user=request.user, number=number, tab=tab)


def _overview_context(request, case: Case, **forms_given) -> dict:
    unit_people = selectors.unit_investigators(case.unit_id)
    header = selectors.case_header(user=request.user, case=case)
    return _case_context(
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
    case = _case(request, number, "overview")
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
        _case_context(
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
        case = _case(request, number, "closure")
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


# --- Tabs ---------------------------------------------------------------------------------------


def _render_tab(request, case, tab, template, status=200, **extra):
    return render(request, template, _case_context(request, case, tab, **extra), status=status)


def _subjects_choices(request, case):
    return selectors.case_subjects_for(user=request.user, case=case)


@login_required
@in_user_zone
def case_subjects(request, number):
    case = _case(request, number, "subjects")
    form = forms.SubjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subject = services.case_subject_add(
                actor=request.user,
                case=case,
                role=form.cleaned_data["role"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"{subject.pseudonym} added.")
            return redirect("cases:subjects", number=case.number)
    subjects = list(_subjects_choices(request, case))
    return _render_tab(
        request,
        case,
        "subjects",
        "cases/detail_subjects.html",
        status=400 if form.errors else 200,
        subjects=subjects,
        form=form,
    )


@login_required
@in_user_zone
def case_identifiers(request, number):
    case = _case(request, number, "identifiers")
    subjects = _subjects_choices(request, case)
    form = forms.IdentifierForm(request.POST or None, subjects=subjects)
    matches = None
    added = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = services.case_identifier_add(
                actor=request.user,
                case=case,
                kind=data["kind"],
                raw=data["raw"],
                service=data["service"],
                device_kind=data["device_kind"],
                ip_event=data["ip_event"],
                observed_at=data["observed_at"],
                port=data["port"],
                subject=data["subject"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            matches = added.matches
            form = forms.IdentifierForm(subjects=subjects)
    identifiers = list(selectors.case_identifiers_for(user=request.user, case=case))
    return _render_tab(
        request,
        case,
        "identifiers",
        "cases/detail_identifiers.html",
        status=400 if form.errors else 200,
        identifiers=identifiers,
        form=form,
        added=added,
        matches=matches,
    )


@login_required
@in_user_zone
def case_deconflict(request, number, pk: int):
    """Run deconfliction again for one identifier of the case (e.g. weeks later)."""
    if request.method != "POST":
        raise Http404
    case = _case(request, number, "identifiers")
    identifier = selectors.case_identifiers_for(user=request.user, case=case).filter(pk=pk).first()
    if identifier is None:
        raise Http404("No such identifier.")
    matches = services.identifier_deconflict(
        actor=request.user,
        kind=identifier.kind,
        normal_value=identifier.normal_value,
        exclude_case=case,
        context_label=f"case {case.number}",
    )
    subjects = _subjects_choices(request, case)
    return _render_tab(
        request,
        case,
        "identifiers",
        "cases/detail_identifiers.html",
        identifiers=list(selectors.case_identifiers_for(user=request.user, case=case)),
        form=forms.IdentifierForm(subjects=subjects),
        added=identifier,
        matches=matches,
    )


@login_required
@in_user_zone
def case_victims(request, number):
    """Break-the-glass: the records show only after the user states why (POST), and every
    showing is audited with that reason."""
    case = _case(request, number, "victims")
    allowed = selectors.can_see_victims(request.user, case)
    reason_form = forms.ReasonForm(request.POST or None)
    victims = None
    reason = ""
    if allowed and request.method == "POST" and reason_form.is_valid():
        reason = reason_form.cleaned_data["reason"]
        try:
            victims = selectors.victim_records_view(user=request.user, case=case, reason=reason)
        except DomainError as error:
            error.add_to_form(reason_form)
    return _victims_page(request, case, allowed, reason_form, victims, reason)


def _victims_page(request, case, allowed, reason_form, victims, reason, status=200, **extra):
    entries = None
    if victims is not None:
        entries = [
            {
                "victim": victim,
                "form": extra.get("forms", {}).get(victim.pk)
                or forms.VictimForm(
                    initial={
                        "reason": reason,
                        "identification": victim.identification,
                        "icse_reference": victim.icse_reference,
                        "national_reference": victim.national_reference,
                    },
                    prefix=f"v{victim.pk}",
                ),
                "safeguarding_form": extra.get("safeguarding_forms", {}).get(victim.pk)
                or forms.SafeguardingForm(initial={"reason": reason}, prefix=f"s{victim.pk}"),
            }
            for victim in victims
        ]
    return _render_tab(
        request,
        case,
        "victims",
        "cases/detail_victims.html",
        status=status,
        allowed=allowed,
        reason_form=reason_form,
        entries=entries,
        reason=reason,
    )


@login_required
@in_user_zone
@require_POST
def victim_update(request, number, pk: int, what: str):
    case = _case(request, number, "victims")
    victim = selectors.victim_record_get_for(user=request.user, case=case, pk=pk)
    if what == "record":
        form = forms.VictimForm(request.POST, prefix=f"v{pk}")
    else:
        form = forms.SafeguardingForm(request.POST, prefix=f"s{pk}")
    reason = request.POST.get(f"{form.prefix}-reason", "")
    status = 200
    if form.is_valid():
        try:
            if what == "record":
                services.victim_record_update(
                    actor=request.user,
                    victim=victim,
                    identification=form.cleaned_data["identification"],
                    icse_reference=form.cleaned_data["icse_reference"],
                    national_reference=form.cleaned_data["national_reference"],
                )
            else:
                services.victim_safeguarding_add(
                    actor=request.user, victim=victim, action=form.cleaned_data["action"]
                )
            messages.success(request, f"Victim record of {victim.subject.pseudonym} updated.")
            form = None
        except DomainError as error:
            error.add_to_form(form)
            status = 400
    else:
        status = 400
    try:
        victims = selectors.victim_records_view(user=request.user, case=case, reason=reason)
    except DomainError:
        return redirect("cases:victims", number=case.number)
    extra = {}
    if form is not None:
        key = "forms" if what == "record" else "safeguarding_forms"
        extra[key] = {pk: form}
    return _victims_page(
        request,
        case,
        True,
        forms.ReasonForm(initial={"reason": reason}),
        victims,
        reason,
        status=status,
        **extra,
    )


@login_required
@in_user_zone
def case_notes(request, number):
    case = _case(request, number, "notes")
    form = forms.NoteForm(request.POST or None, initial={"corrects": request.GET.get("corrects")})
    if request.method == "POST" and form.is_valid():
        corrects = None
        if form.cleaned_data.get("corrects"):
            corrects = selectors.case_note_get_for(
                user=request.user, case=case, pk=form.cleaned_data["corrects"]
            )
        try:
            services.case_note_add(
                actor=request.user, case=case, body=form.cleaned_data["body"], corrects=corrects
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Note added.")
            return redirect("cases:notes", number=case.number)
    correcting = None
    if request.GET.get("corrects", "").isdigit():
        correcting = selectors.case_note_get_for(
            user=request.user, case=case, pk=int(request.GET["corrects"])
        )
    return _render_tab(
        request,
        case,
        "notes",
        "cases/detail_notes.html",
        status=400 if form.errors else 200,
        notes=list(selectors.case_notes_for(user=request.user, case=case)),
        form=form,
        correcting=correcting,
    )


@login_required
@in_user_zone
def case_tasks(request, number):
    case = _case(request, number, "tasks")
    form = forms.TaskForm(request.POST or None, people=selectors.case_people(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.case_task_add(
                actor=request.user,
                case=case,
                title=form.cleaned_data["title"],
                assignee=form.cleaned_data["assignee"],
                due_at=form.cleaned_data["due_at"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, "Task added.")
            return redirect("cases:tasks", number=case.number)
    return _render_tab(
        request,
        case,
        "tasks",
        "cases/detail_tasks.html",
        status=400 if form.errors else 200,
        tasks=list(selectors.case_tasks_for(user=request.user, case=case)),
        form=form,
    )


@login_required
@in_user_zone
@require_POST
def case_task_toggle(request, number, pk: int):
    case = selectors.case_get_for(user=request.user, number=number)
    task = selectors.case_task_get_for(user=request.user, case=case, pk=pk)
    try:
        if task.is_done:
            services.case_task_reopen(actor=request.user, task=task)
        else:
            services.case_task_complete(actor=request.user, task=task)
    except DomainError as error:
        messages.error(request, error.text)
    return redirect("cases:tasks", number=case.number)


# --- Chronology ---------------------------------------------------------------------------------


def _chronology_kind(request) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in chronology.KINDS else ""


@login_required
@in_user_zone
@require_GET
def case_chronology(request, number):
    case = chronology.chronology_case(user=request.user, number=number)
    kind = _chronology_kind(request)
    status = 200
    error = ""
    try:
        page = chronology.chronology_page(
            user=request.user, case=case, kind=kind, cursor=request.GET.get("cursor", "")
        )
    except DomainError as refused:
        error, status = refused.message, 400
        page = chronology.chronology_page(user=request.user, case=case, kind=kind)
    query = {"kind": kind} if kind else {}
    context = {
        "case": case,
        "is_auditor_only": request.user.has_role(Role.AUDITOR)
        and not selectors.case_is_visible(user=request.user, case=case),
        "entries": page.entries,
        "kinds": [("", "Everything"), *chronology.KIND_LABELS.items()],
        "kind": kind,
        "error": error,
        "show_ids": chronology.sees_event_ids(request.user),
        "next_url": "?" + urlencode({**query, "cursor": page.next_cursor})
        if page.next_cursor
        else "",
        "export_query": urlencode(query),
        "zone": chronology.viewer_zone(request.user),
    }
    return render(request, "cases/chronology.html", context, status=status)


@login_required
@in_user_zone
@require_GET
def case_chronology_export(request, number, fmt: str):
    case = chronology.chronology_case(user=request.user, number=number)
    kind = _chronology_kind(request)
    entries = chronology.chronology_export(user=request.user, case=case, kind=kind, fmt=fmt)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    if fmt == "pdf":
        shows_title = selectors.case_is_visible(user=request.user, case=case)
        content = chronology.render_pdf(
            case=case,
            entries=entries,
            generated_by=request.user.get_full_name() or request.user.get_username(),
            title_shown=shows_title,
        )
        response = HttpResponse(content, content_type="application/pdf")
    else:
        # The rows are already read (at most EXPORT_LIMIT), so the file is built at once.
        response = HttpResponse(
            "".join(
                csv_lines(chronology.EXPORT_HEADER, (chronology.export_row(e) for e in entries))
            ),
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = (
        f'attachment; filename="chronology-{case.number}-{stamp}.{fmt}"'
    )
    return response

"""The case's tabs: subjects, identifiers (with deconfliction), victims, notes and tasks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from casework.accounts.zones import in_user_zone
from casework.core.errors import DomainError

from .. import forms, selectors, services
from ._page import case_viewed, render_tab


def _subjects_choices(request, case):
    return selectors.case_subjects_for(user=request.user, case=case)


@login_required
@in_user_zone
def case_subjects(request, number):
    case = case_viewed(request, number, "subjects")
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
    return render_tab(
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
    case = case_viewed(request, number, "identifiers")
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
    return render_tab(
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
    case = case_viewed(request, number, "identifiers")
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
    return render_tab(
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
    case = case_viewed(request, number, "victims")
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
    return render_tab(
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
    case = case_viewed(request, number, "victims")
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
    case = case_viewed(request, number, "notes")
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
    return render_tab(
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
    case = case_viewed(request, number, "tasks")
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
    return render_tab(
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

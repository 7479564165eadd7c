"""Pages: the template list, one template with its versions, the editor (administrators), and
the checklist's resolve action from the case page. Reads go through ``selectors`` (a case one
may not see answers 404) and every change through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from casework.cases.selectors import case_get_for
from casework.core.errors import DomainError

from . import selectors, services
from .choices import EVIDENCE_CHOICES
from .forms import CaseTemplateForm, ChecklistResolveForm, checklist_to_text, tasks_to_text


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    if not selectors.can_read_templates(request.user):
        raise Http404("No case templates that you can see.")
    templates = list(selectors.templates_for(request.user)[:200])
    return render(
        request,
        "case_templates/list.html",
        {"templates": templates, "can_edit": selectors.can_edit_templates(request.user)},
    )


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get_for(user=request.user, pk=pk)
    return render(
        request,
        "case_templates/detail.html",
        {
            "template": template,
            "version": selectors.version_content(template.current_version),
            "versions": list(
                selectors.template_versions(user=request.user, template=template)[:50]
            ),
            "can_edit": selectors.can_edit_templates(request.user),
        },
    )


def _editor(request: HttpRequest, template=None) -> HttpResponse:
    if not selectors.can_edit_templates(request.user):
        raise Http404("Only administrators edit case templates.")
    initial = {"active": True}
    if template is not None:
        version = selectors.version_content(template.current_version)
        initial = {
            "name": template.name,
            "incident_type": template.incident_type_id,
            "active": template.active,
            "tasks": tasks_to_text(version) if version else "",
            "checklist": checklist_to_text(version) if version else "",
            "clocks": [str(c.rule_id) for c in version.clocks.all()] if version else [],
        }
    form = CaseTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.case_template_save(
                actor=request.user,
                template=template,
                name=data["name"],
                incident_type=data["incident_type"],
                active=data["active"],
                tasks=data["tasks"],
                clocks=data["clocks"],
                checklist=data["checklist"],
                note=data["note"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request, f"Template {saved.name} saved (version {saved.current_version.number})."
            )
            return redirect("case_templates:detail", pk=saved.pk)
    return render(
        request,
        "case_templates/edit.html",
        {"form": form, "template": template, "evidence_choices": EVIDENCE_CHOICES},
        status=400 if form.errors else 200,
    )


@login_required
def template_new(request: HttpRequest) -> HttpResponse:
    return _editor(request)


@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _editor(request, selectors.template_get_for(user=request.user, pk=pk))


@login_required
@require_POST
def checklist_resolve(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = case_get_for(user=request.user, number=number)
    item = selectors.checklist_item_get_for(user=request.user, case=case, pk=pk)
    form = ChecklistResolveForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_item_resolve(
                actor=request.user,
                item=item,
                state=form.cleaned_data["state"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            item.refresh_from_db(fields=["state"])
            messages.success(
                request, f"Checklist: “{item.statement}” is now {item.get_state_display().lower()}."
            )
            return redirect(reverse("cases:detail", args=[case.number]) + "#checklist")
    return render(
        request,
        "case_templates/resolve.html",
        {"case": case, "item": item, "form": form},
        status=400,
    )

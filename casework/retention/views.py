"""Retention pages: the supervisor's queue (reviews due, disposals to approve, holds in force),
deciding a review, placing and lifting holds, approving disposals, the register of disposed
records, and the administrator's schedule. Reads through ``selectors`` (404 for anything one
may not see), writes through ``services``; a refusal is shown on the form it came from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casework.accounts.zones import in_user_zone
from casework.core.errors import DomainError, NotFound

from . import forms, selectors, services
from .choices import ReviewStatus


def _queue_only(request) -> None:
    if not selectors.supervises(request.user):
        raise Http404("Only supervisors see their unit's retention queue.")


def _run(form, action):
    """Validate ``form``, run ``action(cleaned_data)``; the service's refusal goes on the form.
    Returns the action's result, or None when the form holds errors."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data) or True
    except DomainError as error:
        error.add_to_form(form)
        return None


@login_required
@in_user_zone
def queue(request: HttpRequest) -> HttpResponse:
    _queue_only(request)
    after = request.GET.get("after", "")
    after_id = int(after) if after.isdigit() and len(after) < 19 else None
    page = list(
        selectors.reviews_due(user=request.user, after=after_id)[: selectors.QUEUE_PAGE + 1]
    )
    more = len(page) > selectors.QUEUE_PAGE
    page = page[: selectors.QUEUE_PAGE]
    return render(
        request,
        "retention/queue.html",
        {
            "reviews": page,
            "next_after": page[-1].pk if more else None,
            "disposals": selectors.disposals_pending(user=request.user),
            "holds": selectors.holds_active(user=request.user),
        },
    )


def _review_page(request, review, status=200, **given):
    return render(
        request,
        "retention/review.html",
        {
            "review": review,
            "retain_form": given.get("retain_form") or forms.RetainForm(prefix="retain"),
            "dispose_form": given.get("dispose_form") or forms.DisposeForm(prefix="dispose"),
            "hold_form": given.get("hold_form") or forms.HoldForm(prefix="hold"),
        },
        status=status,
    )


@login_required
@in_user_zone
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, selectors.review_get_for(user=request.user, pk=pk))


@login_required
@in_user_zone
@require_POST
def review_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    found = selectors.review_get_for(user=request.user, pk=pk)
    user = request.user
    if decision == "retain":
        form = forms.RetainForm(request.POST, prefix="retain")
        done = _run(
            form,
            lambda d: services.retention_review_retain(
                actor=user, review=found, reason=d["reason"], next_review_on=d["next_review_on"]
            ),
        )
        message = f"{found.record_label} is kept; its next review is set."
    elif decision == "dispose":
        form = forms.DisposeForm(request.POST, prefix="dispose")
        done = _run(
            form,
            lambda d: services.retention_review_dispose(
                actor=user, review=found, reason=d["reason"]
            ),
        )
        message = f"Disposal of {found.record_label} asked for: another supervisor approves it."
    else:
        form = forms.HoldForm(request.POST, prefix="hold")
        done = _run(
            form,
            lambda d: services.legal_hold_place(
                actor=user,
                case=found.case,
                referral=found.referral,
                reason=d["reason"],
                authority=d["authority"],
            ),
        )
        message = f"{found.record_label} is on legal hold."
    if done:
        messages.success(request, message)
        return redirect("retention:queue")
    if found.status != ReviewStatus.PENDING:
        found.refresh_from_db()
    return _review_page(request, found, status=400, **{f"{decision}_form": form})


@login_required
@in_user_zone
def hold_new(request: HttpRequest) -> HttpResponse:
    _queue_only(request)
    form = forms.NewHoldForm(request.POST or None)
    if request.method == "POST":

        def place(data):
            try:
                case, referral = selectors.record_for_hold(user=request.user, text=data["record"])
            except NotFound as error:
                raise DomainError(error.text, field="record") from None
            return services.legal_hold_place(
                actor=request.user,
                case=case,
                referral=referral,
                reason=data["reason"],
                authority=data["authority"],
            )

        hold = _run(form, place)
        if hold:
            messages.success(request, f"{hold.record_label} is on legal hold.")
            return redirect("retention:hold", pk=hold.pk)
        return render(request, "retention/hold_new.html", {"form": form}, status=400)
    return render(request, "retention/hold_new.html", {"form": form})


@login_required
@in_user_zone
def hold(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.hold_get_for(user=request.user, pk=pk)
    form = forms.LiftForm(request.POST or None)
    if request.method == "POST":
        if _run(
            form,
            lambda d: services.legal_hold_lift(
                actor=request.user, hold=found, reason=d["lift_reason"]
            ),
        ):
            messages.success(request, f"The hold on {found.record_label} is lifted.")
            return redirect("retention:queue")
        return render(request, "retention/hold.html", {"hold": found, "form": form}, status=400)
    return render(request, "retention/hold.html", {"hold": found, "form": form})


def _disposal_page(request, found, status=200, **given):
    return render(
        request,
        "retention/disposal.html",
        {
            "disposal": found,
            "approve_form": given.get("approve_form") or forms.ApproveForm(prefix="approve"),
            "reject_form": given.get("reject_form") or forms.RejectForm(prefix="reject"),
        },
        status=status,
    )


@login_required
@in_user_zone
def disposal(request: HttpRequest, pk: int) -> HttpResponse:
    return _disposal_page(request, selectors.disposal_get_for(user=request.user, pk=pk))


@login_required
@in_user_zone
@require_POST
def disposal_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    found = selectors.disposal_get_for(user=request.user, pk=pk)
    if decision == "approve":
        form = forms.ApproveForm(request.POST, prefix="approve")
        tombstone = _run(
            form,
            lambda d: services.disposal_approve(actor=request.user, request=found, note=d["note"]),
        )
        if tombstone:
            messages.success(request, f"{found.record_label} is disposed of.")
            return redirect("retention:tombstone", pk=tombstone.pk)
    else:
        form = forms.RejectForm(request.POST, prefix="reject")
        if _run(
            form,
            lambda d: services.disposal_reject(actor=request.user, request=found, note=d["note"]),
        ):
            messages.success(request, f"{found.record_label} is kept and due for review again.")
            return redirect("retention:queue")
    return _disposal_page(request, found, status=400, **{f"{decision}_form": form})


@login_required
@in_user_zone
def tombstones(request: HttpRequest) -> HttpResponse:
    if not (selectors.supervises(request.user) or selectors.is_auditor(request.user)):
        raise Http404("Only supervisors and auditors see disposed records.")
    rows = list(selectors.tombstones_for(user=request.user)[: selectors.QUEUE_PAGE])
    return render(request, "retention/tombstones.html", {"tombstones": rows})


@login_required
@in_user_zone
def tombstone(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.tombstone_get_for(user=request.user, pk=pk)
    return render(request, "retention/tombstone.html", {"tombstone": found})


@login_required
@in_user_zone
def schedule(request: HttpRequest) -> HttpResponse:
    if not selectors.is_administrator(request.user):
        raise Http404("Only administrators change the retention schedule.")
    return render(request, "retention/schedule.html", {"rules": selectors.rules_current()})


@login_required
@in_user_zone
def rule_change(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get_for_change(user=request.user, pk=pk)
    initial = {"review_months": rule.review_months, "basis": rule.basis, "active": rule.active}
    form = forms.RuleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        new = _run(
            form,
            lambda d: services.retention_rule_change(
                actor=request.user,
                record_kind=rule.record_kind,
                outcome=rule.outcome,
                review_months=d["review_months"],
                basis=d["basis"],
                active=d["active"],
            ),
        )
        if new:
            messages.success(request, f"{new.outcome_label}: version {new.version} is in force.")
            return redirect("retention:schedule")
    context = {"rule": rule, "form": form, "versions": selectors.rule_versions(rule)}
    return render(request, "retention/rule.html", context, status=400 if form.errors else 200)

"""Web pages: the unit dashboard, figure CSVs, period reports, case reviews."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from casework.cases.selectors import case_get_for
from casework.core.errors import DomainError, NotFound

from . import reports, selectors, services, snapshots
from .figures import all_figures
from .forms import CaseReviewForm, PeriodForm, ReportForm
from .hashset_figures import hash_set_figures


def _require_oversight(request: HttpRequest) -> None:
    # Investigators and auditors are told nothing, not even that the page exists.
    if not selectors.can_see_oversight(request.user):
        raise NotFound("No such page.")


def _period_form(request: HttpRequest) -> PeriodForm:
    return PeriodForm(request.GET or None, units=selectors.units_for(request.user))


def _chosen_unit(request: HttpRequest, form: PeriodForm):
    # A supervisor who names another unit gets 404 from the selector: no silent fallback.
    return request.GET.get("unit") or None


def _with_fresh(request: HttpRequest) -> str:
    """The page's own query asking for this minute's figures ("Recompute now")."""
    query = request.GET.copy()
    query["fresh"] = "1"
    return query.urlencode()


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_oversight(request)
    form = _period_form(request)
    first, last = form.period()
    try:
        board = snapshots.dashboard(
            user=request.user,
            unit=_chosen_unit(request, form),
            period_start=first,
            period_end=last,
            fresh=form.wants_fresh(),
        )
    except NotFound:
        raise
    except DomainError as error:
        form.is_valid()
        error.add_to_form(form)
        first, last = selectors.default_period()
        board = selectors.dashboard(
            user=request.user, unit=None, period_start=first, period_end=last
        )
    query = {"start": board.scope.first_day.isoformat(), "end": board.scope.last_day.isoformat()}
    if request.GET.get("unit"):
        query["unit"] = request.GET["unit"]
    return render(
        request,
        "oversight/dashboard.html",
        {
            "form": form,
            "board": board,
            "query": urlencode({"preset": "custom", **query}),
            "show_unit_filter": selectors.is_administrator(request.user),
            "snapshot_minutes": round(snapshots.snapshot_seconds() / 60, 1),
            "fresh_query": _with_fresh(request),
        },
    )


@login_required
def hash_sets(request: HttpRequest) -> HttpResponse:
    """The hash-set register's figures (``hashset_figures``), with the sharing switch."""
    _require_oversight(request)
    form = _period_form(request)
    first, last = form.period()
    shared = request.GET.get("shared") == "1"
    try:
        page = hash_set_figures(
            user=request.user,
            unit=_chosen_unit(request, form),
            period_start=first,
            period_end=last,
            shared=shared,
        )
    except NotFound:
        raise
    except DomainError as error:
        form.is_valid()
        error.add_to_form(form)
        first, last = selectors.default_period()
        page = hash_set_figures(
            user=request.user, unit=None, period_start=first, period_end=last, shared=shared
        )
    return render(
        request,
        "oversight/hash_sets.html",
        {
            "form": form,
            "page": page,
            "tables": [(result, result.formatted_rows(shared=shared)) for result in page.figures],
            "show_unit_filter": selectors.is_administrator(request.user),
        },
    )


@login_required
def figure_csv(request: HttpRequest, key: str) -> HttpResponse:
    _require_oversight(request)
    if key not in {figure.key for figure in all_figures()}:
        raise NotFound("No such figure.")
    form = _period_form(request)
    first, last = form.period()
    board = selectors.dashboard(
        user=request.user,
        unit=_chosen_unit(request, form),
        period_start=first,
        period_end=last,
        keys=[key],
    )
    result = board.figure(key)
    body = reports.figure_csv(result)
    services.report_export_audit(
        actor=request.user,
        what=f"figure:{key}",
        scope=board.scope,
        fmt="csv",
        shared=False,
        rows=len(result.table.rows) if result.table else 0,
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"{key}-{board.scope.first_day:%Y%m%d}-{board.scope.last_day:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def report(request: HttpRequest) -> HttpResponse:
    _require_oversight(request)
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    initial = {"kind": "monthly", "year": last_month.year, "month": last_month.month}
    units = selectors.units_for(request.user)
    form = ReportForm(request.GET or None, units=units, initial=initial)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            period = reports.period_report(
                user=request.user,
                unit=data["unit"] or None,
                kind=data["kind"],
                year=data["year"],
                month=data["month"],
                shared=data["shared"],
            )
        except NotFound:
            raise
        except DomainError as error:
            error.add_to_form(form)
        else:
            if data["format"] == "csv":
                body, content_type = reports.report_csv(period), "text/csv; charset=utf-8"
            else:
                body, content_type = reports.report_pdf(period), "application/pdf"
            services.report_export_audit(
                actor=request.user,
                what=f"report:{period.kind}",
                scope=period.scope,
                fmt=data["format"],
                shared=period.shared,
                rows=period.rows,
            )
            response = HttpResponse(body, content_type=content_type)
            response["Content-Disposition"] = (
                f'attachment; filename="{period.filename}.{data["format"]}"'
            )
            return response
    return render(
        request,
        "oversight/report.html",
        {
            "form": form,
            "show_unit_filter": selectors.is_administrator(request.user),
            "figures": [f for f in all_figures() if f.key in reports.REPORT_FIGURES],
        },
    )


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    cases = selectors.review_cases(user=request.user)
    closures = selectors.pending_closures(user=request.user)
    return render(
        request,
        "oversight/reviews.html",
        {
            "cases": cases[:200],
            "closures": closures[:200],
            "now": timezone.now(),
            "closure_queue_url": _closure_queue_url(),
        },
    )


def _closure_queue_url() -> str | None:
    for name in ("cases:closures", "cases:closure-queue", "cases:closure-requests"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def case_url(case) -> str | None:
    for name in ("cases:detail", "cases:case"):
        try:
            return reverse(name, args=[case.number])
        except NoReverseMatch:
            continue
    return None


@login_required
def review_case(request: HttpRequest, number: str) -> HttpResponse:
    if not selectors.is_unit_supervisor(request.user):
        raise NotFound("No such page.")
    case = case_get_for(user=request.user, number=number)
    history = selectors.reviews_of(user=request.user, case=case)
    form = CaseReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_review_record(
                actor=request.user,
                case=case,
                notes=form.cleaned_data["notes"],
                decisions=form.cleaned_data["decisions"],
                next_review_at=form.cleaned_data["next_review_at"],
            )
        except NotFound:
            raise
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"Review of {case.number} recorded.")
            return redirect("oversight:review-case", number=case.number)
    return render(
        request,
        "oversight/review_case.html",
        {"case": case, "history": history, "form": form, "case_url": case_url(case)},
    )

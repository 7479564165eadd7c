"""The case's chronology page and its CSV and PDF exports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from casework.accounts.choices import Role
from casework.accounts.zones import in_user_zone
from casework.core.csv import csv_lines
from casework.core.errors import DomainError

from .. import chronology, selectors


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

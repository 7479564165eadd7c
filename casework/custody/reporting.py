"""Serving custody reports and CASE exports: each view or download is audited first.

Shared by the web views and the API so both write the same audit events
(``custody_report.view``, ``custody_report.download``, ``custody_export.case_uco``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.cases.selectors import view_details

from .case_uco import case_uco_document
from .models import EvidenceItem
from .pdf import render_pdf
from .report import (
    ItemReport,
    audit_checkpoint,
    custody_audit_links,
    generated_at,
    item_report,
)

# What a reader runs on the case's court bundle, with the verifier key obtained separately.
VERIFY_COMMAND = "python -m casework.audit.verify {number}-court-bundle.zip --key log.key"


def item_report_for(item: EvidenceItem) -> ItemReport:
    return item_report(item)


def report_context(
    *, user, case: Case, items: list[EvidenceItem], checkpoint=None
) -> dict[str, Any]:
    """What the report shows; ``checkpoint`` fixes the audit checkpoint it states (a court
    bundle's), else the latest signed one."""
    single = len(items) == 1 and items[0].case_id == case.pk
    stated = audit_checkpoint(checkpoint)
    links = custody_audit_links(items, stated.tree_size)
    return {
        "case": case,
        "single": single,
        "title": (
            f"Custody report: exhibit {items[0].exhibit_number} ({case.number})"
            if single
            else f"Custody report: case {case.number}"
        ),
        "reports": [item_report(item, links) for item in items],
        "generated": generated_at(),
        "generated_by": user.get_full_name() or user.get_username(),
        "checkpoint": stated,
        "states_proof": True,
        "verify_command": VERIFY_COMMAND.format(number=case.number),
    }


def case_report(
    request: HttpRequest, *, case: Case, items: list[EvidenceItem], pdf: bool
) -> HttpResponse:
    """Render the report (HTML or PDF) after auditing that this person saw it."""
    user = request.user
    # The checkpoint is read before this view's own audit event, so the report names the
    # trail as it stood when the report was made.
    context = report_context(user=user, case=case, items=items)
    audit_record(
        actor=user,
        action="custody_report.download" if pdf else "custody_report.view",
        target=items[0] if context["single"] else case,
        case_id=case.pk,
        details=view_details(
            user,
            case,
            format="pdf" if pdf else "html",
            exhibits=[item.exhibit_number for item in items],
            checkpoint=context["checkpoint"].label,
        ),
    )
    if pdf:
        body = render_pdf(
            title=context["title"],
            subtitle=f"{case.number} · {case.unit.name} · lead {case.lead.get_username()}",
            reports=context["reports"],
            generated=context["generated"],
            generated_by=context["generated_by"],
            checkpoint=context["checkpoint"],
            verify_command=context["verify_command"],
        )
        name = f"{case.number}-{items[0].exhibit_number}" if context["single"] else case.number
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}-custody-report.pdf"'
        return response
    return HttpResponse(render_to_string("custody/report.html", context, request=request))


def case_export(*, user, case: Case, items: list[EvidenceItem]) -> dict[str, Any]:
    audit_record(
        actor=user,
        action="custody_export.case_uco",
        target=case,
        case_id=case.pk,
        details={"exhibits": [item.exhibit_number for item in items], "format": "CASE JSON-LD"},
    )
    return case_uco_document(case, items)

"""Writes of the oversight app: case reviews, and the audit of every export.

Oversight never writes to another app's records: a review's next date becomes a deadline
through the deadlines app's services (``review_clock``), closures are decided in the cases app.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from casework.audit.services import audit_record
from casework.cases.selectors import case_is_visible, is_unit_supervisor
from casework.core.errors import DomainError, NotFound

from .models import CaseReview
from .review_clock import schedule_next_review

MAX_REVIEW_INTERVAL = timedelta(days=366)


@transaction.atomic
def case_review_record(
    *,
    actor,
    case,
    notes: str,
    next_review_at: datetime,
    decisions: str = "",
) -> CaseReview:
    """A supervisor of the case's unit records a review of an open case and the next date."""
    if not case_is_visible(user=actor, case=case):
        raise NotFound("No such case that you can see.")
    if not is_unit_supervisor(actor, case.unit_id):
        raise DomainError(
            "Only a supervisor of the case's unit records a case review.", field="case"
        )
    if case.is_closed:
        raise DomainError(
            f"Case {case.number} is closed: there is nothing to review.", field="case"
        )
    notes = (notes or "").strip()
    decisions = (decisions or "").strip()
    if not notes:
        raise DomainError("Say what was reviewed.", field="notes")
    now = timezone.now()
    if next_review_at is None:
        raise DomainError("Give the date of the next review.", field="next_review_at")
    if timezone.is_naive(next_review_at):
        next_review_at = timezone.make_aware(next_review_at)
    if next_review_at <= now:
        raise DomainError("The next review must be in the future.", field="next_review_at")
    if next_review_at - now > MAX_REVIEW_INTERVAL:
        raise DomainError("Review open cases at least once a year.", field="next_review_at")
    review = CaseReview.objects.create(
        case=case,
        reviewed_by=actor,
        reviewed_at=now,
        notes=notes,
        decisions=decisions,
        next_review_at=next_review_at,
    )
    review.deadline_reference = schedule_next_review(
        actor=actor, case=case, review_id=review.pk, due_at=next_review_at
    )
    review.save(update_fields=["deadline_reference", "updated_at"])
    audit_record(
        actor=actor,
        action="case_review.create",
        target=review,
        case_id=case.pk,
        changes={"next_review_at": [None, next_review_at.isoformat()]},
        details={"case": case.number, "decisions": bool(decisions)},
    )
    return review


def report_export_audit(*, actor, what: str, scope, fmt: str, shared: bool, rows: int) -> None:
    """Every download of figures (one figure's CSV, a period report) is an audited export."""
    audit_record(
        actor=actor,
        action="report.export",
        object_type="oversight.report",
        object_id=what,
        details={
            "format": fmt,
            "shared": shared,
            "units": list(scope.unit_ids),
            "aggregate_only": scope.aggregate_only,
            "period_start": scope.first_day.isoformat(),
            "period_end": scope.last_day.isoformat(),
            "rows": rows,
        },
    )

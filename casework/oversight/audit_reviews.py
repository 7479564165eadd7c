"""The weekly audit review: an auditor or supervisor records that they looked at the week's flags.

A supervisor's review belongs to their unit and meets the unit's ``audit_weekly_review`` clock
in the deadlines app (which restarts it for the next week, so a week without a review becomes a
missed deadline that escalates); an auditor's review covers the whole installation.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.errors import DomainError
from casework.deadlines import services as deadlines
from casework.deadlines.choices import ACTIVE_STATES, DeadlineKind
from casework.deadlines.models import Deadline

from .models import AuditReview
from .trail import can_read_trail


@transaction.atomic
def audit_review_record(*, actor, week: datetime.date, findings: str, flags_seen: int = 0):
    """Record that ``actor`` reviewed the flags of the week starting ``week`` (a Monday)."""
    if not actor.has_role(Role.AUDITOR, Role.SUPERVISOR):
        raise DomainError("Only auditors and supervisors record audit reviews.", field="week")
    if week.weekday() != 0:
        raise DomainError("A review week starts on a Monday.", field="week")
    if week > timezone.localdate():
        raise DomainError("A week that has not started cannot be reviewed.", field="week")
    findings = findings.strip()
    if not findings:
        raise DomainError(
            "Write what you found, or 'Nothing to report' if nothing.", field="findings"
        )
    if AuditReview.objects.filter(week=week, reviewer=actor).exists():
        raise DomainError("You have already recorded your review of that week.", field="week")
    review = AuditReview.objects.create(
        week=week,
        reviewer=actor,
        unit=None if actor.has_role(Role.AUDITOR) else actor.unit,
        flags_seen=flags_seen,
        findings=findings,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="audit.review",
        target=review,
        details={"week": week.isoformat(), "flags_seen": flags_seen},
    )
    if review.unit is not None:
        _meet_weekly_review_clock(actor=actor, unit=review.unit)
    return review


def _meet_weekly_review_clock(*, actor, unit) -> None:
    """A unit's review meets its ``audit_weekly_review`` clock; the first review of a unit
    without a clock starts one."""
    clock = (
        Deadline.objects.filter(
            unit=unit, kind=DeadlineKind.AUDIT_WEEKLY_REVIEW, state__in=ACTIVE_STATES
        )
        .order_by("due_at")
        .first()
    )
    if clock is not None:
        deadlines.deadline_meet(actor=actor, deadline=clock)
    else:
        deadlines.deadline_start(
            actor=actor, kind=DeadlineKind.AUDIT_WEEKLY_REVIEW, unit=unit, owner=actor
        )


def reviews_visible_to(user) -> QuerySet[AuditReview]:
    """Auditors see every review; supervisors their unit's; others none."""
    if not can_read_trail(user):
        return AuditReview.objects.none()
    if user.has_role(Role.AUDITOR):
        return AuditReview.objects.select_related("reviewer", "unit")
    return AuditReview.objects.filter(unit_id=user.unit_id).select_related("reviewer", "unit")


def seed_demo_review() -> None:
    """Demo data: the auditor's review of last week, once (idempotent).

    Must run before the audit app's demo seed, which seals every event the demo wrote.
    """
    auditor = User.objects.filter(username="auditor").first()
    if auditor is None:
        return
    today = timezone.localdate()
    last_week = today - datetime.timedelta(days=today.weekday() + 7)
    if not AuditReview.objects.filter(week=last_week, reviewer=auditor).exists():
        audit_review_record(
            actor=auditor,
            week=last_week,
            findings="Synthetic review: flags looked at, nothing to report.",
        )

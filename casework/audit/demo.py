"""Demo audit data: record one weekly review by the auditor, seal what the demo seeds wrote,
sign a checkpoint and verify once. Idempotent: the review is recorded once per week, and sealing
and verifying add nothing when nothing is new."""

from __future__ import annotations

import datetime

from django.utils import timezone

from casework.accounts.models import User

from .models import AuditReview, AuditVerification
from .sealing import seal_all
from .services import audit_review_record
from .verification import verify_ledger


def seed(*, stdout) -> None:
    _review()
    # Sealing comes after every other demo write (this seed runs last) so nothing is left over
    # for the next run to seal.
    sealed = seal_all(sign=True)
    # A verification is a row of its own; recording one on every run of an unchanged demo
    # would grow the database each time ``make run`` starts.
    if sealed["sealed"] or not AuditVerification.objects.exists():
        result = verify_ledger(record=True)
        stdout.write(
            f"audit: {sealed['sealed']} events sealed, ledger of {result.tree_size} events "
            + ("verified" if result.ok else f"has {len(result.problems)} problem(s)")
        )
    else:
        stdout.write("audit: nothing new to seal")


def _review() -> None:
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

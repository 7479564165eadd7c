"""Demo audit data: seal what the other demo seeds wrote, sign a checkpoint, verify once,
and record one weekly review by the auditor. Idempotent: sealing and verifying add nothing when
nothing is new, and the review is recorded once per week."""

from __future__ import annotations

import datetime

from django.utils import timezone

from casework.accounts.models import User

from .models import AuditReview
from .sealing import seal_all
from .services import audit_review_record
from .verification import verify_ledger


def seed(*, stdout) -> None:
    sealed = seal_all(sign=True)
    result = verify_ledger(record=True)
    stdout.write(
        f"audit: {sealed['sealed']} events sealed, ledger of {result.tree_size} events "
        + ("verified" if result.ok else f"has {len(result.problems)} problem(s)")
    )
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

"""Demo audit data: seal what the demo seeds wrote, sign a checkpoint and verify once.

Idempotent: sealing and verifying add nothing when nothing is new. (The auditor's demo weekly
review is oversight's: ``casework.oversight.audit_reviews.seed_demo_review``.)
"""

from __future__ import annotations

from .models import AuditVerification
from .sealing import seal_all
from .verification import verify_ledger


def seed(*, stdout) -> None:
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

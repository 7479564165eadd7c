"""Disposal (retention): blank the free text of this app's rows about a disposed record.

Called by the retention app inside its transaction once two supervisors agreed. The rows stay,
with their kinds, states and times, because the unit's figures count them; only words that may
name a person go (``casework.core.disposal``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from casework.audit.services import audit_record
from casework.core.disposal import blank_text

from .models import CaseReview


@transaction.atomic
def case_reviews_dispose_personal_data(*, actor, case) -> dict[str, int]:
    """Blank the words of the rows on ``case``; how many went."""
    where = Q(case=case)
    removed = {
        "case_reviews": blank_text(CaseReview.objects.filter(where), ["notes", "decisions"]),
    }
    audit_record(
        actor=actor,
        action="case_review.dispose",
        object_type="cases.case",
        object_id=str(case.pk),
        case_id=case.pk,
        details={"removed": removed},
    )
    return removed

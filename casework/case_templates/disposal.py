"""Disposal (retention): blank the free text of this app's rows about a disposed record.

Called by the retention app inside its transaction once two supervisors agreed. The rows stay,
with their kinds, states and times, because the unit's figures count them; only words that may
name a person go (``casework.core.disposal``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from casework.audit.disposal import blank_text_audited

from .models import ChecklistItem


@transaction.atomic
def checklist_dispose_personal_data(*, actor, case) -> dict[str, int]:
    """Blank the words of the rows on ``case``; how many went."""
    where = Q(case=case)
    return blank_text_audited(
        actor=actor,
        action="checklist.dispose",
        record=case,
        case_id=case.pk,
        rows={
            "checklist_items": (ChecklistItem.objects.filter(where), ["reason"]),
        },
    )

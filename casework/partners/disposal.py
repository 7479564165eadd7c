"""Disposal (retention): blank the free text of this app's rows about a disposed record.

Called by the retention app inside its transaction once two supervisors agreed. The rows stay,
with their kinds, states and times, because the unit's figures count them; only words that may
name a person go (``casework.core.disposal``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from casework.audit.disposal import blank_text_audited

from .models import Communication, PartnerRequest


@transaction.atomic
def partner_records_dispose_personal_data(*, actor, case=None, referral=None) -> dict[str, int]:
    """Blank the words of the rows on ``case`` (or on ``referral``); how many went."""
    where = Q(case=case) if case is not None else Q(referral=referral)
    return blank_text_audited(
        actor=actor,
        action="partner_records.dispose",
        record=case if case is not None else referral,
        case_id=case.pk if case is not None else None,
        rows={
            "requests": (PartnerRequest.objects.filter(where), ["summary", "answer_note"]),
            "communications": (Communication.objects.filter(where), ["summary"]),
        },
    )

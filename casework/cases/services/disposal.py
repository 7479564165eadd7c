"""Disposal of a case's personal data (retention): called by the retention app once two
supervisors agreed, inside its transaction.

What goes: the title, summary and closure reason; every identifier (rows deleted, so
deconfliction no longer finds the case); subjects' descriptions; notes (rows deleted: they are
append-only against changes, not against disposal); task titles; closure requests' reasons and
carried items; transfers' titles and reasons. Victims' database references and safeguarding
actions keep their ciphertext, unreadable once the retention app has the case's data key
destroyed in this same transaction (so oversight still counts victims with a reference). What
stays, for the unit's figures and the audit trail: the rows themselves, the number, unit,
priority, status, outcome, dates, people of the unit who worked it, victims' identification
and safeguarding dates. ``docs/retention.md`` has the table.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.disposal import REMOVED, blank_text
from casework.core.errors import DomainError

from ..models import (
    Case,
    CaseClosureRequest,
    CaseIdentifier,
    CaseSubject,
    CaseTask,
    CaseTransfer,
    SafeguardingAction,
    VictimRecord,
)

DISPOSED_TITLE = "Disposed case"


@transaction.atomic
def case_dispose_personal_data(*, actor: User, case: Case) -> dict[str, int]:
    """Remove or blank the personal fields of a closed case and of everything under it; how
    many rows of each kind were touched. The caller (retention) has checked the two-person
    rule, the legal hold and the evidence store."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_closed:
        raise DomainError(f"{case.number} is not closed: only a closed case is disposed of.")
    if case.disposed_at is not None:
        raise DomainError(f"{case.number} is already disposed of.")
    removed = {"identifiers": CaseIdentifier.objects.filter(case=case).delete()[0]}
    with connection.cursor() as cursor:
        # Raw: the ORM's collector would refuse notes whose corrections are deleted with them
        # (PROTECT); the database checks the self-reference at commit, when all are gone.
        cursor.execute("DELETE FROM cases_casenote WHERE case_id = %s", [case.pk])
        removed["notes"] = cursor.rowcount
    removed["subjects"] = (
        CaseSubject.objects.filter(case=case)
        .filter(description_ct__isnull=False)
        .update(description_ct=None)
    )
    # Kept as ciphertext, which the destroyed data key makes unreadable ("[disposed]"):
    # oversight counts victims "with an ICSE reference" (a ciphertext is there).
    removed["victim_references"] = VictimRecord.objects.filter(
        Q(icse_reference_ct__isnull=False) | Q(national_reference_ct__isnull=False), case=case
    ).count()
    # Encrypted: left as ciphertext, unreadable once the case's data key is destroyed.
    removed["safeguarding_actions"] = SafeguardingAction.objects.filter(case=case).count()
    removed["tasks"] = blank_text(CaseTask.objects.filter(case=case), ["title"])
    removed["closure_requests"] = blank_text(
        CaseClosureRequest.objects.filter(case=case), ["reason", "decision_note"]
    ) + CaseClosureRequest.objects.filter(case=case).exclude(carried=[]).update(carried=[])
    removed["transfers"] = blank_text(
        CaseTransfer.objects.filter(case=case), ["title", "reason", "decision_note"]
    )
    case.title = DISPOSED_TITLE
    case.summary = ""
    case.closure_reason = REMOVED if case.closure_reason else ""
    case.disposed_at = timezone.now()
    case.save(update_fields=["title", "summary", "closure_reason", "disposed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="case.dispose",
        target=case,
        case_id=case.pk,
        details={"removed": removed},
    )
    return removed

"""Handing a case to another unit: proposed by the sending unit's supervisor, accepted or
declined (with a reason) by a supervisor of the receiving unit. Audited on both sides.

On acceptance, in one transaction: the case's unit becomes the receiving unit, the sending
team's access ends (their assignments and grants are removed; the sending supervisors lose
sight of it with the unit), the new lead named by the receiving supervisor gets it, and the
running clocks move with their owners (``case.transferred``, answered by deadlines). The
sending unit keeps the ``CaseTransfer`` row: a read-only stub naming where the case went.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from casework.accounts.models import Unit, User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core import events
from casework.core.errors import DomainError, NotFound
from casework.core.notifications import notify
from casework.core.validation import clean_text

from ..choices import ClosureRequestStatus, TransferStatus
from ..models import (
    Case,
    CaseAssignment,
    CaseClosureRequest,
    CaseTransfer,
    CaseUserObjectPermission,
)
from ..selectors import VIEW_PERMISSION, is_unit_supervisor
from ._access import lock_case, require_not_closed
from .cases import _require_unit_investigator


def _supervisors(unit: Unit):
    return User.objects.filter(unit=unit, is_active=True, groups__name="supervisor")


@transaction.atomic
def case_transfer_propose(*, actor: User, case: Case, to_unit: Unit, reason: str) -> CaseTransfer:
    """A supervisor of the case's unit offers it to another unit, saying why."""
    require_person(actor, "transfer a case")
    if not is_unit_supervisor(actor, case.unit_id):
        raise NotFound(f"No case {case.number} that you can see.")
    lock_case(case)
    require_not_closed(case)
    reason = clean_text(reason, field="reason", max_length=2000, multiline=True, required=True)
    if to_unit.pk == case.unit_id:
        raise DomainError("Choose another unit than the case's own.", field="to_unit")
    if CaseTransfer.objects.filter(case=case, status=TransferStatus.PENDING).exists():
        raise DomainError(f"{case.number} already awaits another unit's answer.", field="to_unit")
    transfer = CaseTransfer.objects.create(
        case=case,
        from_unit_id=case.unit_id,
        to_unit=to_unit,
        number=case.number,
        title=case.title,
        reason=reason,
        proposed_by=actor,
    )
    audit_record(
        actor=actor,
        action="case.transfer_propose",
        target=transfer,
        case_id=case.pk,
        details={"to_unit": to_unit.name, "reason": reason},
    )
    notify(
        recipients=_supervisors(to_unit),
        kind="case_transfer",
        subject=f"{case.unit.name} offers case {case.number} to {to_unit.name}",
        body=f"{actor.get_full_name() or actor.get_username()} ({actor.email}) asks your unit to "
        f"take case {case.number}: {reason}",
        link="/linked_cases/transfers/",
        dedupe_key=f"case-transfer:{transfer.pk}",
    )
    return transfer


def _pending_for(actor: User, transfer: CaseTransfer) -> CaseTransfer:
    require_person(actor, "decide on a case transfer")
    transfer = CaseTransfer.objects.select_for_update().select_related("case").get(pk=transfer.pk)
    if not is_unit_supervisor(actor, transfer.to_unit_id):
        raise NotFound("No transfer awaiting your unit.")
    if transfer.status != TransferStatus.PENDING:
        raise DomainError("This transfer was already decided.")
    return transfer


@transaction.atomic
def case_transfer_accept(*, actor: User, transfer: CaseTransfer, lead: User) -> Case:
    """A supervisor of the receiving unit takes the case, naming its new lead."""
    transfer = _pending_for(actor, transfer)
    case = transfer.case
    lock_case(case)
    require_not_closed(case)
    to_unit = Unit.objects.get(pk=transfer.to_unit_id)
    _require_unit_investigator(lead, to_unit, field="lead")
    if CaseClosureRequest.objects.filter(case=case, status=ClosureRequestStatus.PENDING).exists():
        raise DomainError(f"Closure of {case.number} awaits a decision in the sending unit.")
    previous_lead = case.lead
    team = [
        case.lead_id,
        *CaseAssignment.objects.filter(case=case).values_list("user_id", flat=True),
    ]
    CaseAssignment.objects.filter(case=case).delete()
    CaseUserObjectPermission.objects.filter(
        content_object=case, user_id__in=team, permission__codename=VIEW_PERMISSION
    ).delete()
    case.unit = to_unit
    case.lead = lead
    case.save(update_fields=["unit", "lead", "updated_at"])
    assign_perm(f"cases.{VIEW_PERMISSION}", lead, case)
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by, transfer.decided_at, transfer.new_lead = actor, timezone.now(), lead
    transfer.save(update_fields=["status", "decided_by", "decided_at", "new_lead", "updated_at"])
    events.publish(
        events.CaseTransferred(case=case, previous_lead=previous_lead, team=team, actor=actor)
    )
    details = {
        "from_unit": transfer.from_unit_id,
        "to_unit": to_unit.name,
        "lead": [previous_lead.get_username(), lead.get_username()],
        "transfer": transfer.pk,
    }
    audit_record(
        actor=actor,
        action="case.transfer_accept",
        target=case,
        case_id=case.pk,
        changes={"unit": [transfer.from_unit_id, to_unit.pk]},
        details=details,
    )
    notify(
        recipients=[transfer.proposed_by],
        kind="case_transfer",
        subject=f"{to_unit.name} accepted case {transfer.number}",
        body=f"{transfer.number} now belongs to {to_unit.name}; its lead is "
        f"{lead.get_full_name() or lead.get_username()} ({lead.email}).",
        link="/linked_cases/transfers/",
        dedupe_key=f"case-transfer-accepted:{transfer.pk}",
    )
    return case


@transaction.atomic
def case_transfer_decline(*, actor: User, transfer: CaseTransfer, reason: str) -> CaseTransfer:
    """A supervisor of the receiving unit turns the case down, saying why; nothing moves."""
    transfer = _pending_for(actor, transfer)
    reason = clean_text(reason, field="reason", max_length=2000, multiline=True, required=True)
    transfer.status = TransferStatus.DECLINED
    transfer.decided_by, transfer.decided_at = actor, timezone.now()
    transfer.decision_note = reason
    transfer.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="case.transfer_decline",
        target=transfer,
        case_id=transfer.case_id,
        details={"reason": reason},
    )
    notify(
        recipients=[transfer.proposed_by],
        kind="case_transfer",
        subject=f"Case {transfer.number} was declined",
        body=reason,
        link="/linked_cases/transfers/",
        dedupe_key=f"case-transfer-declined:{transfer.pk}",
    )
    return transfer

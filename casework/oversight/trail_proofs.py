"""Handing out an audit event's inclusion proof, by need-to-know.

The proof file carries the event's exact bytes, values included (the proof is worthless without
them). So the event must be one the reader may read in full: auditors for events that record no
before/after values of a case (they see field names only, never case content), supervisors for
their unit's cases, the case team for their case's events. Anyone else gets 404. The proof
itself is the ledger's (``casework.audit.proofs``); who may have it needs the cases app, which
the ledger sits below. Every proof handed out is itself an audit event.
"""

from __future__ import annotations

from django.db import transaction

from casework.accounts.choices import Role
from casework.audit.models import AuditEvent
from casework.audit.proofs import inclusion_proof_export
from casework.audit.services import audit_record
from casework.cases.selectors import cases_visible_to
from casework.core.errors import NotFound


def _may_have_proof_of(user, event: AuditEvent) -> bool:
    """Need-to-know for a proof (see the module docstring): 404 for everyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.has_role(Role.AUDITOR) and not (event.case_id and event.changes):
        return True
    if event.case_id is None:
        return False
    return cases_visible_to(user).filter(pk=event.case_id).exists()


@transaction.atomic
def event_proof_issue(*, actor, event_id: int, size: int | None = None, via: str = "api") -> dict:
    """An inclusion proof for ``actor``, recorded as ``audit.proof_export``."""
    event = AuditEvent.objects.filter(pk=event_id).only("case_id", "changes").first()
    if event is None or not _may_have_proof_of(actor, event):
        raise NotFound("No such audit event that you may have the proof of.")
    proof = inclusion_proof_export(event_id=event_id, size=size)
    audit_record(
        actor=actor,
        action="audit.proof_export",
        object_type="audit.auditevent",
        object_id=str(event_id),
        case_id=event.case_id,
        details={"tree_size": proof["tree_size"], "via": via},
    )
    return proof

"""Inclusion and consistency proofs: show one event, or that the log only grew, to an outsider.

An inclusion proof file holds the event's canonical bytes, its leaf index, the audit path to
the root of a signed checkpoint, and that checkpoint (with any witness cosignatures). A
consistency proof holds the path from an older tree size to a newer signed checkpoint, so a
proof exported last month can be carried forward to today's checkpoint.
``python -m casework.audit.verify`` checks both with the published verifier key alone.

Who may have an inclusion proof depends on who may read the event's case, which the ledger
does not know: ``casework.oversight.trail_proofs.event_proof_issue`` decides and hands it out.
A consistency proof carries hashes only, so the roles decide (``consistency_proof_issue``).
Every proof handed out is itself an audit event.

Both are computed from the stored tree (``casework.audit.tree``): a few hundred rows however
long the log, and checked against the signed root before they leave.
"""

from __future__ import annotations

import base64
import json

from django.db import connection, transaction

from casework.core.errors import DomainError, NotFound
from casework.core.roles import Role

from . import merkle, notes, tree
from .models import AuditCheckpoint
from .services import audit_record
from .witness import checkpoint_note_with_cosignatures

PROOF_FORMAT = "casework-audit-inclusion-proof/1"
CONSISTENCY_FORMAT = "casework-audit-consistency-proof/1"


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def signed_checkpoint(*, size: int | None = None, covering: int = 0) -> AuditCheckpoint:
    """The latest signed checkpoint (of exactly ``size`` events when given) holding leaf
    ``covering``; NotFound when there is none."""
    checkpoints = AuditCheckpoint.objects.exclude(signed_note="")
    if size is None:
        found = checkpoints.filter(tree_size__gt=covering).order_by("-id").first()
        if found is None:
            raise NotFound("No signed checkpoint covers that yet: run the sealer, then retry.")
        return found
    found = checkpoints.filter(tree_size=size).order_by("-id").first()
    if found is None:
        raise NotFound(f"No signed checkpoint has the size {size}.")
    return found


def inclusion_proof_export(*, event_id: int, size: int | None = None) -> dict:
    """The proof for one sealed event against a signed checkpoint: the latest one covering it,
    or the one of ``size`` events."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.canonical, s.position FROM audit_auditevent AS e "
            "JOIN audit_auditseal AS s ON s.event_id = e.id WHERE e.id = %s",
            [event_id],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        raise NotFound("That event does not exist or is not sealed yet.")
    canonical, position = bytes(row[0]), row[1]
    checkpoint = signed_checkpoint(size=size, covering=position)
    if position >= checkpoint.tree_size:
        raise DomainError(
            f"Event {event_id} was sealed as entry {position}, after the checkpoint of "
            f"{checkpoint.tree_size} events: ask for a later size.",
            field="size",
        )
    try:
        path = tree.inclusion_path(position, checkpoint.tree_size)
    except tree.MissingHashes:
        path = None
    signed = notes.parse(checkpoint.signed_note)[0]
    leaf = merkle.leaf_hash(canonical)
    if path is None or not merkle.verify_inclusion(
        position, checkpoint.tree_size, leaf, path, signed.root
    ):
        raise NotFound(
            "The ledger does not prove this event against its checkpoint: run verify_audit."
        )
    return {
        "format": PROOF_FORMAT,
        "event_id": event_id,
        "leaf_index": position,
        "tree_size": checkpoint.tree_size,
        "event": _b64(canonical),
        "inclusion_path": [_b64(node) for node in path],
        "checkpoint": checkpoint_note_with_cosignatures(checkpoint),
        "event_json": json.loads(canonical),
    }


def consistency_proof_export(*, old_size: int, new_size: int | None = None) -> dict:
    """Proof that the log of ``old_size`` events is a prefix of the signed checkpoint of
    ``new_size`` events (default: the latest)."""
    new = signed_checkpoint(size=new_size)
    if not 0 <= old_size <= new.tree_size:
        raise DomainError(f"old must be between 0 and the new size {new.tree_size}.", field="old")
    signed = notes.parse(new.signed_note)[0]
    try:
        path = tree.consistency_path(old_size, new.tree_size)
        old_root = tree.root(old_size)
    except tree.MissingHashes:
        raise NotFound("The ledger cannot prove those sizes: run verify_audit.") from None
    if not merkle.verify_consistency(old_size, new.tree_size, old_root, signed.root, path):
        raise NotFound("The ledger does not prove those sizes: run verify_audit.")
    old = AuditCheckpoint.objects.exclude(signed_note="").filter(tree_size=old_size).last()
    return {
        "format": CONSISTENCY_FORMAT,
        "old_size": old_size,
        "new_size": new.tree_size,
        "old_root": _b64(old_root),
        "consistency_path": [_b64(node) for node in path],
        "new_checkpoint": checkpoint_note_with_cosignatures(new),
        "old_checkpoint": old.signed_note if old is not None else None,
    }


# --- handing proofs out ------------------------------------------------------------------------


def may_request_consistency(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_role(Role.AUDITOR, Role.SUPERVISOR, Role.INVESTIGATOR)
    )


@transaction.atomic
def consistency_proof_issue(
    *, actor, old_size: int, new_size: int | None = None, via: str = "api"
) -> dict:
    """A consistency proof for ``actor``, recorded as ``audit.consistency_proof``."""
    if not may_request_consistency(actor):
        raise NotFound()
    proof = consistency_proof_export(old_size=old_size, new_size=new_size)
    audit_record(
        actor=actor,
        action="audit.consistency_proof",
        details={"old_size": proof["old_size"], "new_size": proof["new_size"], "via": via},
    )
    return proof

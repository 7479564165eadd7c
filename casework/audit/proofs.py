"""Inclusion proofs: show one event to a court without handing over the whole log.

The exported file holds the event's canonical bytes, its leaf index, the audit path to the root
of a signed checkpoint, and that checkpoint. ``python -m casework.audit.verify`` checks it with
the published verifier key alone: no database, no Django.
"""

from __future__ import annotations

import base64
import json

from casework.core.errors import NotFound

from . import merkle, notes
from .models import AuditCheckpoint, AuditEvent, AuditSeal

PROOF_FORMAT = "casework-audit-inclusion-proof/1"


def inclusion_proof_export(*, event_id: int) -> dict:
    """The proof for one sealed event against the latest signed checkpoint that covers it."""
    event = AuditEvent.objects.filter(pk=event_id).first()
    seal = AuditSeal.objects.filter(event_id=event_id).first()
    if event is None or seal is None:
        raise NotFound("That event does not exist or is not sealed yet.")
    checkpoint = (
        AuditCheckpoint.objects.exclude(signed_note="")
        .filter(tree_size__gt=seal.position)
        .order_by("-id")
        .first()
    )
    if checkpoint is None:
        raise NotFound("No signed checkpoint covers that event yet: run the sealer, then retry.")
    leaves = [
        bytes(leaf)
        for leaf in AuditSeal.objects.filter(position__lt=checkpoint.tree_size)
        .order_by("position")
        .values_list("leaf_hash", flat=True)
        .iterator(chunk_size=50_000)
    ]
    canonical = bytes(event.canonical)
    leaf = merkle.leaf_hash(canonical)
    path = merkle.inclusion_proof(leaves, seal.position)
    signed = notes.parse(checkpoint.signed_note)[0]
    if not merkle.verify_inclusion(seal.position, len(leaves), leaf, path, signed.root):
        raise NotFound(
            "The ledger does not prove this event against its checkpoint: run verify_audit."
        )
    return {
        "format": PROOF_FORMAT,
        "event_id": event.pk,
        "leaf_index": seal.position,
        "tree_size": checkpoint.tree_size,
        "event": base64.b64encode(canonical).decode(),
        "inclusion_path": [base64.b64encode(node).decode() for node in path],
        "checkpoint": checkpoint.signed_note,
        "event_json": json.loads(canonical),
    }

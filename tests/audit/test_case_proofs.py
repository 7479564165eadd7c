"""Many inclusion proofs at once, from the sealer's stored height-8 nodes: the same paths as
RFC 9162's, and an error rather than a proof when a stored node is wrong."""

from __future__ import annotations

import pytest

from casework.audit import case_proofs, merkle
from casework.audit.models import AuditSeal, AuditTreeNode
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_paths_equal_the_reference_for_every_size():
    for n in range(700):
        audit_record(actor=None, action="test.proofs", object_id=str(n))
    seal_all(sign=True)
    leaves = [
        bytes(h) for h in AuditSeal.objects.order_by("position").values_list("leaf_hash", flat=True)
    ]
    assert len(leaves) >= 700
    for size in (1, 2, 3, 255, 256, 257, 300, 511, 512, 513, len(leaves)):
        positions = sorted({0, size // 3, size // 2, size - 1})
        paths = case_proofs.inclusion_paths(positions, size)
        for position in positions:
            assert paths[position] == merkle.inclusion_proof(leaves[:size], position), (
                size,
                position,
            )
    blocks = AuditTreeNode.objects.filter(height=8)
    assert blocks.count() == len(leaves) // 256
    for block in blocks:
        assert bytes(block.hash) == merkle.root(leaves[block.index * 256 : block.index * 256 + 256])


def test_a_wrong_stored_node_gives_an_error_not_a_proof(request):
    from casework.audit.models import AuditCheckpoint
    from casework.core.errors import DomainError

    for n in range(600):
        audit_record(actor=None, action="test.proofs", object_id=str(n))
    seal_all(sign=True)
    checkpoint = AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first()
    request.getfixturevalue("superuser_cursor").execute(
        "UPDATE audit_audittreenode SET hash = %s WHERE height = 8 AND index = 0", [b"\x00" * 32]
    )
    last = checkpoint.tree_size - 1
    event = AuditSeal.objects.get(position=last)
    row = (event.event_id, last, bytes(event.event.canonical))
    with pytest.raises(DomainError, match="does not prove event"):
        case_proofs.prove_events([row], checkpoint)

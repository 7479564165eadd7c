"""Proofs for many events at once, against one signed checkpoint: what a court bundle carries.

Threat: a bundle whose events were picked, edited or reordered after the fact, or proven
against a tree nobody signed. Every event goes out as the bytes the ledger hashed, with its
RFC 9162 audit path to the root of one signed checkpoint; each path is checked here against the
signed root before it leaves, so a ledger that no longer agrees with its signature produces an
error, never a bundle.

The paths are built from the hash of every full block of 256 leaves (the height-8 nodes the
sealer stores, ``AuditTreeNode``: C2SP tlog-tiles level 1) and, below that, from the leaves of
the blocks the events sit in: a bundle reads a hash per 256 events of the log and 256 leaves
per event, never the whole log, and computes all its paths in memory at once rather than two
queries per event as a single proof does (``tree.inclusion_path``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from casework.core.errors import DomainError

from . import conf, keys, merkle, notes
from .models import AuditCheckpoint
from .proofs import PROOF_FORMAT
from .witness import checkpoint_note_with_cosignatures

# The first line of a signed statement about a bundle: never a checkpoint's origin, and its
# second line is not a number, so no checkpoint parser can take it for a tree head.
STATEMENT_KIND = "court-bundle/v1"


def checkpoint_note(checkpoint: AuditCheckpoint) -> str:
    """The checkpoint as it is handed out: its signed note.

    With the witnesses' C2SP tlog-cosignature lines after the log's own signature; verifiers
    ignore signature lines by keys they were not given.
    """
    return checkpoint_note_with_cosignatures(checkpoint)


def latest_signed_checkpoint(*, covering: int = 0) -> AuditCheckpoint | None:
    """The newest signed checkpoint whose tree holds at least ``covering`` leaves."""
    return (
        AuditCheckpoint.objects.exclude(signed_note="")
        .filter(tree_size__gte=covering)
        .order_by("-id")
        .first()
    )


def _split(size: int) -> int:
    return 1 << ((size - 1).bit_length() - 1)


def _path_ranges(index: int, low: int, high: int) -> list[tuple[int, int]]:
    """RFC 9162 PATH(index, D[low:high]) as the leaf ranges whose tree hashes it lists."""
    ranges: list[tuple[int, int]] = []
    while high - low > 1:
        k = _split(high - low)
        if index < low + k:
            ranges.append((low + k, high))
            high = low + k
        else:
            ranges.append((low, low + k))
            low += k
    ranges.reverse()
    return ranges


def _perfect_pieces(low: int, high: int) -> Iterable[tuple[int, int]]:
    """The aligned perfect subtrees, as (level, first leaf), whose hashes make MTH(D[low:high])."""
    while high > low:
        size = high - low
        if size & (size - 1) == 0:
            yield size.bit_length() - 1, low
            return
        k = _split(size)
        yield k.bit_length() - 1, low
        low += k


def _range_hash(low: int, high: int, known: dict[tuple[int, int], bytes], memo: dict) -> bytes:
    """MTH(D[low:high]) from the perfect pieces in ``known``; ``memo`` keeps the ranges that
    many paths share (the right edge of the tree is on every path to its left)."""
    size = high - low
    if size & (size - 1) == 0:
        return known[(size.bit_length() - 1, low)]
    found = memo.get((low, high))
    if found is None:
        k = _split(size)
        found = merkle.node_hash(
            _range_hash(low, low + k, known, memo), _range_hash(low + k, high, known, memo)
        )
        memo[(low, high)] = found
    return found


BLOCK_LEVEL = 8
BLOCK = 1 << BLOCK_LEVEL  # leaves per stored height-8 node (a C2SP tile's width)


class _Tree:
    """Perfect subtree hashes of the tree of ``size`` leaves, from stored blocks and leaves.

    A subtree of 256 leaves or more is combined from the stored block hashes; a smaller one
    from the leaves of its block, read once per block (one index range each).
    """

    def __init__(self, size: int, blocks_needed: set[int]) -> None:
        full = size // BLOCK
        with connection.cursor() as cursor:
            # The sealer stores these as the log grows (``tree.py``); the bundle seals first.
            cursor.execute(
                "SELECT hash FROM audit_audittreenode WHERE height = %s AND index < %s"
                " ORDER BY index",
                [BLOCK_LEVEL, full],
            )
            self.blocks = [bytes(row[0]) for row in cursor.fetchall()]
        if len(self.blocks) != full:
            raise DomainError(
                "The log's stored tree hashes are behind its seals; try again in a minute, "
                "after the next sealing run (verify_audit says more if it persists)."
            )
        self.leaves: dict[int, bytes] = {}
        wanted = sorted(blocks_needed)
        if wanted:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT s.position, s.leaf_hash FROM unnest(%s::bigint[]) AS b(i)"
                    " JOIN audit_auditseal AS s ON s.position >= b.i * %s"
                    " AND s.position < least(b.i * %s + %s, %s)",
                    [wanted, BLOCK, BLOCK, BLOCK, size],
                )
                self.leaves = {position: bytes(leaf) for position, leaf in cursor.fetchall()}
        self.memo: dict[tuple[int, int], bytes] = {}

    def perfect(self, level: int, start: int) -> bytes:
        """MTH of the 2**level leaves from ``start`` (aligned, inside the tree)."""
        key = (level, start)
        found = self.memo.get(key)
        if found is not None:
            return found
        if level == 0:
            value = self.leaves.get(start)
            if value is None:
                raise DomainError(f"The ledger has no seal at position {start}: run verify_audit.")
        elif level == BLOCK_LEVEL and start // BLOCK < len(self.blocks):
            value = self.blocks[start // BLOCK]
        else:
            half = 1 << (level - 1)
            value = merkle.node_hash(
                self.perfect(level - 1, start), self.perfect(level - 1, start + half)
            )
        self.memo[key] = value
        return value


def inclusion_paths(positions: Iterable[int], size: int) -> dict[int, list[bytes]]:
    """The audit path of each leaf in ``positions`` in the tree of the first ``size`` leaves."""
    targets = sorted(set(positions))
    if not targets:
        return {}
    if targets[0] < 0 or targets[-1] >= size:
        raise DomainError("An event lies outside the checkpoint's tree.")
    ranges = {position: _path_ranges(position, 0, size) for position in targets}
    distinct = {r for rs in ranges.values() for r in rs}
    pieces = {piece for r in distinct for piece in _perfect_pieces(*r)}
    # Subtrees smaller than a block, and those in the tree's last, partial block, need leaves.
    full = size // BLOCK
    needed = {start // BLOCK for level, start in pieces if level < BLOCK_LEVEL}
    needed |= {start // BLOCK for _, start in pieces if start // BLOCK >= full}
    tree = _Tree(size, needed)
    known = {piece: tree.perfect(*piece) for piece in pieces}
    memo: dict[tuple[int, int], bytes] = {}
    hashes = {r: _range_hash(*r, known, memo) for r in distinct}
    return {position: [hashes[r] for r in rs] for position, rs in ranges.items()}


@dataclass(frozen=True)
class ProvenEvent:
    event_id: int
    position: int
    canonical: bytes
    proof: dict


def prove_events(rows: list[tuple[int, int, bytes]], checkpoint: AuditCheckpoint) -> list:
    """Proof files (``casework-audit-inclusion-proof/1``) for (event id, position, bytes) rows.

    Every path is checked against the checkpoint's signed root before it is returned.
    """
    note = checkpoint_note(checkpoint)
    signed = notes.parse(checkpoint.signed_note)[0]
    paths = inclusion_paths((position for _, position, _ in rows), signed.size)
    proven = []
    for event_id, position, canonical in rows:
        path = paths[position]
        leaf = merkle.leaf_hash(canonical)
        if not merkle.verify_inclusion(position, signed.size, leaf, path, signed.root):
            raise DomainError(
                f"The ledger does not prove event {event_id} against checkpoint "
                f"{signed.size}: run verify_audit before issuing evidence."
            )
        proven.append(
            ProvenEvent(
                event_id=event_id,
                position=position,
                canonical=canonical,
                proof={
                    "format": PROOF_FORMAT,
                    "event_id": event_id,
                    "leaf_index": position,
                    "tree_size": signed.size,
                    "event": base64.b64encode(canonical).decode(),
                    "inclusion_path": [base64.b64encode(node).decode() for node in path],
                    "checkpoint": note,
                    "event_json": json.loads(canonical),
                },
            )
        )
    return proven


def statement_body(*, subject: str, digest: bytes) -> str:
    """What a signed statement about a bundle says: the log, the case, the manifest's hash."""
    return f"{conf.log_origin()}/{STATEMENT_KIND}\ncase {subject}\nmanifest sha256 {digest.hex()}\n"


def sign_statement(*, subject: str, content: bytes) -> str:
    """A signed note by the log's key over ``content``'s SHA-256 (see ``statement_body``)."""
    body = statement_body(subject=subject, digest=hashlib.sha256(content).digest())
    key = keys.signing_key()
    name = conf.log_origin()
    identifier = notes.key_id(name, notes.raw_public_key(key.public_key()))
    signature = base64.b64encode(identifier + key.sign(body.encode())).decode()
    return f"{body}\n{notes.SIGNATURE_DASH}{name} {signature}\n"

"""Recompute the ledger and name every event that was changed, removed, inserted or reordered.

Threat: someone who can write the database (up to the PostgreSQL superuser, who can switch the
append-only guard off) alters history. What they cannot do is re-sign checkpoints: the key is
not in the database, and signed checkpoints are also kept outside it. So this module trusts
nothing in the database except as a claim to be checked:

1. each sealed event's bytes hash to the leaf hash stored at its position (else: changed, or
   reordered when the bytes belong to another position);
2. each event row still says what its bytes say (else: a column was edited behind the bytes);
3. each seal's chain link follows from the previous one (else: seals edited, removed, swapped);
4. the Merkle root at every checkpoint size equals the checkpoint's root, and every signed
   checkpoint verifies with the public key (else: the tree was rebuilt);
5. no signed checkpoint is larger than the ledger (else: the tail was cut off);
6. no unsealed event belongs to a transaction older than the sealed horizon (else: inserted
   behind the sealer's back), and every event has its bytes.

Streaming and constant memory: one server-side cursor over the seals in order, a Merkle
frontier, and only the problems are kept.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import DataError, connection, transaction
from django.utils import timezone

from . import conf, keys, merkle, notes, sql
from .models import AuditCheckpoint, AuditVerification

MAX_PROBLEMS_STORED = 1000

_EXACT = "e.canonical = convert_to(audit_event_canonical(e), 'UTF8')"
_FAST = (
    f"CASE WHEN convert_from(e.canonical, 'UTF8')::jsonb = {sql.EVENT_JSON} "
    f"THEN true ELSE {_EXACT} END"
)
_STREAM = """
SELECT s.position, s.event_id, s.leaf_hash, s.chain_hash, e.id IS NOT NULL, e.canonical
  FROM audit_auditseal AS s
  LEFT JOIN audit_auditevent AS e ON e.id = s.event_id
 ORDER BY s.position
"""
# Rows whose columns no longer say what their bytes say. A separate query (not a column of the
# stream) so PostgreSQL can run it as a parallel scan; it returns only the few edited rows.
_EDITED = """
SELECT e.id FROM audit_auditevent AS e
 WHERE e.canonical IS NOT NULL AND NOT ({check})
 ORDER BY e.id
"""
_UNSEALED = """
SELECT e.id, e.canonical IS NULL, e.txid < %s::text::xid8, e.occurred_at
  FROM audit_auditevent AS e
 WHERE NOT EXISTS (SELECT 1 FROM audit_auditseal AS s WHERE s.event_id = e.id)
 ORDER BY e.id
"""


@dataclass(frozen=True)
class Problem:
    kind: str  # changed, edited, removed, inserted, reordered, chain, checkpoint, truncated
    message: str
    event_id: int | None = None
    position: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "event_id": self.event_id,
            "position": self.position,
        }


@dataclass
class VerificationResult:
    events_checked: int = 0
    tree_size: int = 0
    checkpoints_checked: int = 0
    signed_checkpoints_checked: int = 0
    pending: int = 0
    oldest_pending_at: object = None
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "tree_size": self.tree_size,
            "checkpoints_checked": self.checkpoints_checked,
            "signed_checkpoints_checked": self.signed_checkpoints_checked,
            "pending": self.pending,
            "problems": len(self.problems),
            "seconds": round(self.seconds, 3),
            "events_per_second": int(self.events_checked / self.seconds) if self.seconds else 0,
        }


@dataclass
class _Expected:
    size: int
    root: bytes
    source: str
    chain_head: bytes | None = None


def _load_checkpoints(result: VerificationResult, verifier: str, directory: Path) -> list:
    expected: list[_Expected] = []
    for row in AuditCheckpoint.objects.order_by("id").iterator():
        label = f"checkpoint #{row.pk} (size {row.tree_size}) in the database"
        expected.append(
            _Expected(row.tree_size, bytes(row.root_hash), label, bytes(row.chain_head))
        )
        result.checkpoints_checked += 1
        if row.signed_note:
            _check_note(result, row.signed_note, verifier, label, row.tree_size, row.root_hash)
    if directory.is_dir():
        for path in sorted(directory.rglob("*.checkpoint")):
            label = f"signed checkpoint file {path.relative_to(directory)}"
            checkpoint = _check_note(result, path.read_text(encoding="utf-8"), verifier, label)
            if checkpoint is not None:
                expected.append(_Expected(checkpoint.size, checkpoint.root, label))
    return expected


def _check_note(result, note, verifier, label, size=None, root=None):
    try:
        checkpoint = notes.verify(note, verifier)
    except notes.NoteError as error:
        result.problems.append(Problem("checkpoint", f"{label}: {error}"))
        return None
    result.signed_checkpoints_checked += 1
    if size is not None and (checkpoint.size != size or checkpoint.root != bytes(root)):
        result.problems.append(
            Problem("checkpoint", f"{label}: its row does not match its own signed note")
        )
    return checkpoint


def verify_ledger(
    *,
    verifier: str | None = None,
    checkpoint_dir: Path | None = None,
    record: bool = False,
) -> VerificationResult:
    """Check the whole ledger; returns counts and every problem found (see module docstring).

    ``verifier`` is the published verifier key (default: derived from the configured signing
    key); ``checkpoint_dir`` where signed checkpoints were written (default: configured);
    ``record`` stores the outcome as an ``AuditVerification`` for the status panel.
    """
    started = time.monotonic()
    result = VerificationResult()
    verifier = verifier or keys.verifier_key()
    directory = checkpoint_dir or conf.checkpoint_dir()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                # One snapshot for the whole run: a sealer running meanwhile changes nothing.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        expected = _load_checkpoints(result, verifier, directory)
        by_size: dict[int, list[_Expected]] = {}
        for item in expected:
            by_size.setdefault(item.size, []).append(item)
        edited = _edited_rows()
        _stream(result, by_size, edited)
        largest = max(expected, key=lambda item: item.size, default=None)
        if largest is not None and largest.size > result.tree_size:
            result.problems.append(
                Problem(
                    "truncated",
                    f"the ledger was cut back: {largest.source} covers {largest.size} events, "
                    f"but only {result.tree_size} sealed events remain "
                    f"(positions {result.tree_size}-{largest.size - 1} are gone)",
                    position=result.tree_size,
                )
            )
        _check_unsealed(result)
    result.seconds = time.monotonic() - started
    if record:
        record_verification(result)
    return result


def _edited_rows() -> list[int]:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_EDITED.format(check=_FAST))
            return [row[0] for row in cursor.fetchall()]
    except (DataError, psycopg.DataError):
        # Some stored bytes are not even JSON (the fast check parses them): use the exact
        # check, which only compares bytes.
        with connection.cursor() as cursor:
            cursor.execute(_EDITED.format(check=_EXACT))
            return [row[0] for row in cursor.fetchall()]


def _stream(result: VerificationResult, by_size: dict, edited_rows: list[int]) -> None:
    sha256 = hashlib.sha256
    frontier = merkle.Frontier()
    append = frontier.append
    chain = merkle.CHAIN_START
    expected_position = 0
    mismatched: list[tuple[int, int, bytes]] = []  # (position, event id, computed leaf)
    stored_leaf_at: dict[bytes, tuple[int, int]] = {}
    breaks: list[tuple[int, int, bytes, bytes, bytes]] = []
    problems = result.problems
    raw = connection.connection  # psycopg: a named (server-side) cursor streams in batches
    with connection.cursor() as plain:
        # The whole result is read: plan for all of it (a join and a sort), not for the first
        # rows (an index lookup per event), which is what a cursor would otherwise get.
        plain.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    # Binary results: bytea arrives as bytes, not as hex text twice its size.
    with raw.cursor(name="audit_verify", binary=True) as cursor:
        cursor.execute(_STREAM)
        for position, event_id, stored_leaf, stored_chain, present, canonical in _rows(cursor):
            if position != expected_position:
                problems.append(
                    Problem(
                        "removed",
                        f"sealed entries at positions {expected_position}-{position - 1} are "
                        "missing from the seal table",
                        position=expected_position,
                    )
                )
            expected_position = position + 1
            if not present:
                problems.append(
                    Problem(
                        "removed",
                        f"event #{event_id} was removed (it was sealed at position {position})",
                        event_id,
                        position,
                    )
                )
            else:
                leaf = sha256(b"\x00" + canonical).digest()
                if leaf != stored_leaf:
                    mismatched.append((position, event_id, leaf))
                    stored_leaf_at[bytes(stored_leaf)] = (position, event_id)
            link = sha256(chain + stored_leaf).digest()
            if link != stored_chain:
                breaks.append((position, event_id, chain, bytes(stored_leaf), bytes(stored_chain)))
            chain = bytes(stored_chain)
            append(bytes(stored_leaf))
            size = frontier.size
            if size in by_size:
                root = frontier.root()
                for item in by_size[size]:
                    if item.root != root:
                        problems.append(
                            Problem(
                                "checkpoint",
                                f"{item.source}: its root does not match the sealed events "
                                f"(positions 0-{size - 1} were altered after it was made)",
                                position=size - 1,
                            )
                        )
                    if item.chain_head is not None and item.chain_head != chain:
                        problems.append(
                            Problem(
                                "chain",
                                f"{item.source}: its chain head does not match the seals",
                                position=size - 1,
                            )
                        )
    result.events_checked = result.tree_size = frontier.size
    _explain_mismatches(result, mismatched, stored_leaf_at)
    _explain_breaks(result, breaks)
    _explain_edits(result, edited_rows, {event_id for _, event_id, _ in mismatched})


def _rows(cursor, size: int = 20_000):
    """Rows in large batches: one round trip per batch, not per row."""
    while batch := cursor.fetchmany(size):
        yield from batch


def _explain_mismatches(result, mismatched, stored_leaf_at) -> None:
    for position, event_id, leaf in mismatched:
        origin = stored_leaf_at.get(leaf)
        if origin is not None and origin[0] != position:
            result.problems.append(
                Problem(
                    "reordered",
                    f"event #{event_id} at position {position} now holds the event sealed at "
                    f"position {origin[0]} (event #{origin[1]}): events were swapped or moved",
                    event_id,
                    position,
                )
            )
        else:
            result.problems.append(
                Problem(
                    "changed",
                    f"event #{event_id} was changed after it was sealed at position {position} "
                    "(its bytes no longer hash to the sealed leaf)",
                    event_id,
                    position,
                )
            )


def _explain_breaks(result, breaks) -> None:
    """A broken chain link: a seal row was edited, swapped, inserted or removed."""
    for position, event_id, _previous, leaf, link in breaks:
        moved_from = next(
            (
                other
                for other, _, other_previous, _, _ in breaks
                if other != position and hashlib.sha256(other_previous + leaf).digest() == link
            ),
            None,
        )
        if moved_from is not None:
            message = (
                f"the seal of event #{event_id} was moved from position {moved_from} to "
                f"position {position}: entries were reordered"
            )
            kind = "reordered"
        else:
            message = (
                f"the hash chain breaks at position {position} (event #{event_id}): a sealed "
                "entry before or at it was inserted, removed or edited"
            )
            kind = "chain"
        result.problems.append(Problem(kind, message, event_id, position))


def _explain_edits(result, edited: list[int], already_named: set[int]) -> None:
    """Name the columns that were edited behind an event's sealed bytes."""
    ids = [event_id for event_id in edited if event_id not in already_named]
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.canonical, audit_event_canonical(e) FROM audit_auditevent AS e "
            "WHERE e.id = ANY(%s) ORDER BY e.id",
            [ids],
        )
        for event_id, canonical, document in cursor.fetchall():
            document = json.loads(document)
            try:
                sealed = json.loads(bytes(canonical))
            except ValueError:
                sealed = {}
            fields = sorted(
                key for key in set(document) | set(sealed) if document.get(key) != sealed.get(key)
            )
            detail = ", ".join(
                f"{key}: sealed {sealed.get(key)!r}, now {document.get(key)!r}" for key in fields
            )
            result.problems.append(
                Problem(
                    "edited" if sealed.get("id") == event_id else "reordered",
                    f"event #{event_id} was edited behind its sealed bytes ({detail})",
                    event_id,
                )
            )


def _check_unsealed(result: VerificationResult) -> None:
    horizon = AuditCheckpoint.objects.order_by("-id").values_list("sealed_below", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(_UNSEALED, [horizon or 0])
        for event_id, no_bytes, behind, occurred_at in cursor.fetchall():
            if no_bytes:
                result.problems.append(
                    Problem(
                        "inserted",
                        f"event #{event_id} has no canonical bytes: it was inserted with the "
                        "ledger's guard switched off",
                        event_id,
                    )
                )
            elif behind:
                result.problems.append(
                    Problem(
                        "inserted",
                        f"event #{event_id} was inserted behind the seal: its transaction is "
                        "older than events already sealed, yet it was never sealed",
                        event_id,
                    )
                )
            else:
                result.pending += 1
                if result.oldest_pending_at is None or occurred_at < result.oldest_pending_at:
                    result.oldest_pending_at = occurred_at


def record_verification(result: VerificationResult) -> AuditVerification:
    return AuditVerification.objects.create(
        ran_at=timezone.now(),
        ok=result.ok,
        events_checked=result.events_checked,
        tree_size=result.tree_size,
        problem_count=len(result.problems),
        problems=[problem.as_dict() for problem in result.problems[:MAX_PROBLEMS_STORED]],
        duration_ms=int(result.seconds * 1000),
    )

"""The sealer: puts committed events, in order, into the hash chain and the Merkle tree.

Threat: an insider with database access edits, removes, inserts or reorders events. Sealing
fixes each event's bytes at a position in an append-only Merkle tree whose root is signed with a
key the database never holds, so any such edit is found by ``verify_audit``.

Why not seal at insert? A chain built at insert time would make every write in the application
wait for one lock. Instead, events are inserted freely and a single sealer (one Celery task at a
time, guarded by a transaction-level advisory lock) seals what has committed.

Which events are safe to seal? Each event row records the inserting transaction (``txid``, a
``xid8``). The sealer computes a *horizon*: no transaction below it can still be running. Every
event with ``txid`` below the horizon has either committed (and is visible) or never will, so
sealing them in ``(txid, id)`` order is final: an event whose transaction commits late has a
``txid`` above the horizon of every run before its commit, and is simply sealed by a later run,
never skipped. The horizon is the oldest open transaction *of this database* (PostgreSQL's
snapshot xmin is cluster-wide, and another database's long transaction must not stall us); that
needs ``pg_read_all_stats`` to see other roles' sessions, and without it the sealer falls back to
the cluster-wide xmin, which is slower to advance but equally safe.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from . import conf, keys, merkle, notes, tree
from .models import AuditCheckpoint

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key: "casework audit sealer" (any constant that nothing else uses).
SEALER_LOCK = 0x5EA1_A0D1_7000_0001 - (1 << 63)

_HORIZON = """
SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
       pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
       pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER'),
       ARRAY(SELECT backend_xid::text::bigint FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND backend_xid IS NOT NULL)
"""

_PENDING = """
SELECT e.id, e.canonical
  FROM audit_auditevent AS e
 WHERE ((e.txid >= %s::text::xid8 AND e.txid < %s::text::xid8)
        OR e.txid = pg_current_xact_id_if_assigned())
   AND e.canonical IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM audit_auditseal AS s WHERE s.event_id = e.id)
 ORDER BY e.txid, e.id
 LIMIT %s
"""


def _full_xid(xid: int, next_full: int) -> int:
    """Widen a 32-bit transaction id to the 64-bit ``xid8`` of the current epoch."""
    candidate = (next_full & ~0xFFFFFFFF) | xid
    return candidate - (1 << 32) if candidate > next_full else candidate


def horizon(cursor) -> int:
    """The lowest ``txid`` that may still commit an event (see the module docstring)."""
    cursor.execute(_HORIZON)
    next_full, cluster_xmin, can_see_all, running = cursor.fetchone()
    if not can_see_all:
        return cluster_xmin
    return min([next_full, *(_full_xid(xid, next_full) for xid in running)])


def seal_pending(*, limit: int = 200_000, sign: bool | None = None) -> dict[str, Any]:
    """Seal up to ``limit`` committed events; sign a checkpoint if one is due.

    ``sign``: None signs when ``CASEWORK_AUDIT_SIGN_SECONDS`` have passed since the last
    signature, True always signs, False never does. Returns counts for the task log and the
    benchmark: ``sealed``, ``tree_size``, ``signed``, ``more`` (another batch is waiting),
    ``locked`` (another sealer was running) and ``seconds``.
    """
    started = time.monotonic()
    result: dict[str, Any] = {"sealed": 0, "signed": False, "more": False, "locked": False}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK])
        if not cursor.fetchone()[0]:
            result["locked"] = True
            return result
        below = horizon(cursor)
        last = AuditCheckpoint.objects.order_by("-id").first()
        low = last.sealed_below if last else 0
        cursor.execute(_PENDING, [low, max(below, low), limit])
        rows = cursor.fetchall()
        frontier, chain = _resume(last, result)
        seals, nodes, chain = _hash_in_order(rows, frontier, chain)
        complete = len(rows) < limit
        result["more"] = not complete
        result["tree_size"] = frontier.size

        now = timezone.now()
        sign = _signing_due(sign, now)
        unsigned_tip = last is not None and not last.signed_note
        if seals or (sign and unsigned_tip):
            checkpoint = _checkpoint_write(
                cursor,
                frontier=frontier,
                chain=chain,
                seals=seals,
                nodes=nodes,
                sealed_below=max(below, low) if complete else low,
                now=now,
                sign=sign,
            )
            result.update(
                sealed=len(seals),
                signed=bool(checkpoint.signed_note),
                checkpoint_id=checkpoint.pk,
                root=bytes(checkpoint.root_hash).hex(),
            )
    result["seconds"] = time.monotonic() - started
    return result


def _resume(last: AuditCheckpoint | None, result: dict) -> tuple[merkle.Frontier, bytes]:
    """The tree and the seal chain as the last checkpoint left them."""
    if last is None:
        return merkle.Frontier(), merkle.CHAIN_START
    frontier = merkle.Frontier(last.tree_size, (bytes.fromhex(h) for h in last.frontier))
    if last.tree_size - tree.stored_leaf_span() >= tree.TILE_WIDTH:
        # Sealed before the tree's nodes were stored (an upgrade, or a bulk loader).
        result["nodes_caught_up"] = tree.nodes_catch_up(last.tree_size)
    return frontier, bytes(last.chain_head)


def _hash_in_order(rows, frontier: merkle.Frontier, chain: bytes) -> tuple[list, list, bytes]:
    """Each event's leaf and chain link, appended to ``frontier``; returns the seal rows, the
    tree nodes completed on the way, and the new chain head."""
    seals = []
    nodes: list[tuple[int, int, bytes]] = []
    leaf_hash, chain_hash = merkle.leaf_hash, merkle.chain_hash
    append = frontier.append_recording
    for event_id, canonical in rows:
        leaf = leaf_hash(bytes(canonical))
        chain = chain_hash(chain, leaf)
        seals.append((frontier.size, event_id, leaf, chain))
        append(leaf, nodes)
    return seals, nodes, chain


def _signing_due(sign: bool | None, now) -> bool:
    if sign is not None:
        return sign
    last_signed = AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first()
    return last_signed is None or (
        (now - last_signed.created_at).total_seconds() >= conf.sign_interval_seconds()
    )


def _checkpoint_write(
    cursor, *, frontier, chain, seals, nodes, sealed_below: int, now, sign: bool
) -> AuditCheckpoint:
    """The checkpoint row, its seals and tree nodes; a signed one is also written to a file and
    shown to the witnesses once the transaction commits."""
    root = frontier.root()
    origin = conf.log_origin()
    note = ""
    if sign:
        body = notes.Checkpoint(origin=origin, size=frontier.size, root=root)
        note = notes.sign(body, keys.signing_key(), name=origin)
    checkpoint = AuditCheckpoint.objects.create(
        created_at=now,
        tree_size=frontier.size,
        root_hash=root,
        chain_head=chain,
        frontier=[h.hex() for h in frontier.hashes],
        sealed_below=sealed_below,
        sealed_count=len(seals),
        signed_note=note,
        key_name=origin if note else "",
        file_name=_file_name(now, frontier.size) if note else "",
    )
    if seals:
        with cursor.copy(
            "COPY audit_auditseal (position, event_id, leaf_hash, chain_hash, checkpoint_id) "
            "FROM STDIN"
        ) as copy:
            for position, event_id, leaf, link in seals:
                copy.write_row((position, event_id, leaf, link, checkpoint.pk))
        tree.store_nodes(nodes)
    if note:
        transaction.on_commit(lambda: write_checkpoint_file(checkpoint.file_name, note))
        transaction.on_commit(lambda: _ask_witnesses(checkpoint.pk))
    return checkpoint


def seal_all(*, limit: int = 200_000, rounds: int = 50, sign: bool | None = None) -> dict:
    """Seal in batches until nothing committed is left (bounded by ``rounds``)."""
    total = {"sealed": 0, "signed": False, "rounds": 0}
    for _ in range(rounds):
        step = seal_pending(limit=limit, sign=sign)
        total["sealed"] += step["sealed"]
        total["signed"] = total["signed"] or step["signed"]
        total["rounds"] += 1
        total["tree_size"] = step.get("tree_size", total.get("tree_size", 0))
        if not step["more"] or step["locked"]:
            break
    return total


def _ask_witnesses(checkpoint_id: int) -> None:
    """Send the new checkpoint to the configured witnesses, later (a Celery task)."""
    if not conf.witnesses():
        return
    from .tasks import witness_checkpoint

    witness_checkpoint.delay(checkpoint_id)


def _file_name(when, size: int) -> str:
    return f"{when:%Y-%m-%d}/{size:012d}-{when:%H%M%S%f}.checkpoint"


def write_checkpoint_file(file_name: str, note: str) -> None:
    """Write a signed checkpoint outside the database, and the latest one as ``latest``."""
    directory = conf.checkpoint_dir()
    target = directory / file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, note)
    _atomic_write(directory / "latest.checkpoint", note)
    _atomic_write(directory / "verifier.key", keys.verifier_key() + "\n")


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)

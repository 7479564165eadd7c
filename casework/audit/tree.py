"""The Merkle tree as stored: leaf hashes in ``audit_auditseal``, taller subtrees in
``audit_audittreenode``; tiles and proofs read from them.

At national scale (20 million events) a proof built from every leaf reads 640 MB. Here a
proof needs the leaves of at most two 256-leaf tiles (the leaf's own and the tree's right
edge) and one stored node per level above them: two queries, a few hundred rows. A C2SP tile
is one range of one table. Nothing here trusts the stored hashes: every proof is checked
against the signed root before it is handed out, and tiles are checked by whoever fetches them.

The nodes are written by the sealer as subtrees complete (``merkle.Frontier.append_recording``).
A ledger sealed before they existed, or by a loader that wrote seals itself, is caught up by
``nodes_catch_up`` (the sealer calls it when the nodes lag behind the leaves).
"""

from __future__ import annotations

from django.db import connection

from . import merkle
from .models import AuditCheckpoint

TILE_HEIGHT = 8
TILE_WIDTH = merkle.TILE_WIDTH


class MissingHashes(LookupError):
    """The stored tree lacks a hash a tile or proof needs (not sealed yet, or nodes behind)."""


def tile(level: int, index: int, width: int) -> bytes | None:
    """The first ``width`` hashes of tile ``index`` at ``level``; None while they do not exist.

    Level 0 holds leaf hashes; level L holds the hashes of the perfect subtrees of height 8L.
    A tile's hashes never change once they exist (only complete subtrees are in it).
    """
    first = index * TILE_WIDTH
    if level == 0:
        query = (
            "SELECT count(*), string_agg(leaf_hash, ''::bytea ORDER BY position) "
            "FROM audit_auditseal WHERE position >= %s AND position < %s"
        )
        arguments = [first, first + width]
    else:
        query = (
            "SELECT count(*), string_agg(hash, ''::bytea ORDER BY index) "
            "FROM audit_audittreenode WHERE height = %s AND index >= %s AND index < %s"
        )
        arguments = [level * TILE_HEIGHT, first, first + width]
    with connection.cursor() as cursor:
        cursor.execute(query, arguments)
        count, data = cursor.fetchone()
    if count != width:
        return None
    return bytes(data)


def subtree_hashes(wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The tree hashes of the perfect subtrees ``(start, height)``, in two queries.

    A subtree of height 8 or more is one stored node. A shorter one is hashed from its leaves,
    which all lie in a handful of 256-leaf ranges (those of the leaf and of the tree's right
    edge), read together.
    """
    tall = {(start >> height, height) for start, height in wanted if height >= TILE_HEIGHT}
    short = [(start, height) for start, height in wanted if height < TILE_HEIGHT]
    found: dict[tuple[int, int], bytes] = {}
    with connection.cursor() as cursor:
        if tall:
            # One index probe per node (a BitmapOr), whatever the table's statistics say: a
            # join against an array could be planned as a scan of every node.
            pairs = sorted(tall)
            condition = " OR ".join(["(height = %s AND index = %s)"] * len(pairs))
            cursor.execute(
                f"SELECT height, index, hash FROM audit_audittreenode WHERE {condition}",
                [value for index, height in pairs for value in (height, index)],
            )
            for height, index, value in cursor.fetchall():
                found[(index << height, height)] = bytes(value)
        if short:
            spans = _merged_spans([(s, s + (1 << h)) for s, h in short])
            condition = " OR ".join(["(position >= %s AND position < %s)"] * len(spans))
            cursor.execute(
                f"SELECT position, leaf_hash FROM audit_auditseal WHERE {condition}",
                [bound for span in spans for bound in span],
            )
            leaves = {position: bytes(value) for position, value in cursor.fetchall()}
            for start, height in short:
                try:
                    found[(start, height)] = merkle.root(
                        [leaves[p] for p in range(start, start + (1 << height))]
                    )
                except KeyError:
                    raise MissingHashes(f"leaves {start}+ are not sealed") from None
    missing = [item for item in wanted if item not in found]
    if missing:
        raise MissingHashes(f"stored tree nodes missing for subtrees {missing[:3]}")
    return found


def _merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def range_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """``MTH(D[start:end])`` for each range of a proof (see ``merkle.inclusion_ranges``)."""
    parts = [merkle.perfect_subtrees(start, end) for start, end in ranges]
    found = subtree_hashes(sorted({item for part in parts for item in part}))
    return [merkle.combine([found[item] for item in part]) for part in parts]


def inclusion_path(index: int, size: int) -> list[bytes]:
    return range_hashes(merkle.inclusion_ranges(index, size))


def consistency_path(old_size: int, new_size: int) -> list[bytes]:
    if old_size == 0 or old_size == new_size:
        return []
    return range_hashes(merkle.consistency_ranges(old_size, new_size))


def root(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return range_hashes([(0, size)])[0]


# --- keeping the nodes up with the leaves ------------------------------------------------------


def stored_leaf_span() -> int:
    """How many leaves the stored nodes cover: 256 times the height-8 nodes present."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(index) + 1, 0) FROM audit_audittreenode WHERE height = %s",
            [TILE_HEIGHT],
        )
        return cursor.fetchone()[0] * TILE_WIDTH


def nodes_catch_up(tree_size: int | None = None) -> int:
    """Store every node of the first ``tree_size`` leaves that is missing; returns how many.

    Resumes where the nodes stop: the tree of that size is made only of subtrees of height 8
    or more, which are stored, so it rebuilds the frontier from them and streams the leaves
    after it. Run under the sealer's lock (``seal_pending`` calls it), never beside a sealer.
    """
    if tree_size is None:
        tree_size = (
            AuditCheckpoint.objects.order_by("-id").values_list("tree_size", flat=True).first() or 0
        )
    covered = stored_leaf_span()
    if tree_size - covered < TILE_WIDTH:
        return 0
    frontier = frontier_at(covered)
    written = 0
    completed: list[tuple[int, int, bytes]] = []
    append = frontier.append_recording
    with connection.connection.cursor(name="audit_nodes_catch_up", binary=True) as cursor:
        cursor.execute(
            "SELECT leaf_hash FROM audit_auditseal WHERE position >= %s AND position < %s "
            "ORDER BY position",
            [covered, tree_size],
        )
        while rows := cursor.fetchmany(20_000):
            for (leaf,) in rows:
                append(leaf, completed)
            written += store_nodes(completed)
            completed.clear()
    return written


def frontier_at(size: int) -> merkle.Frontier:
    """The frontier of the tree of ``size`` leaves (a multiple of 256) from stored nodes."""
    parts = merkle.perfect_subtrees(0, size)
    found = subtree_hashes(parts)
    return merkle.Frontier(size, [found[part] for part in parts])


def store_nodes(nodes: list[tuple[int, int, bytes]]) -> int:
    if not nodes:
        return 0
    with (
        connection.cursor() as cursor,
        cursor.copy("COPY audit_audittreenode (height, index, hash) FROM STDIN") as copy,
    ):
        for row in nodes:
            copy.write_row(row)
    return len(nodes)

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
   behind the sealer's back), and every event has its bytes;
7. the stored subtree hashes that tiles and proofs are built from (``audit_audittreenode``)
   are the ones the sealed leaves give (kept as a list of one hash per 128 leaves on average).

Streaming and constant memory: one stream of the seals in order, in chunks, a Merkle
frontier, and only the problems are kept. Every hash is computed here, never by the database.

Speed (issue 7 asks for 100,000 events/s, issue 26 for 30 % of raw SHA-256) comes from keeping
every core busy with work that cannot be skipped. Checks 1, 3 and 4 run in Python, hashing the
seals and their events' bytes as PostgreSQL hands them over in binary chunks, while it produces
the next ones from one merge join of the seals and the events in id order (no sort, no
temporary files, no lookup per seal); the same rows name the unsealed events for check 6. Check
2 is a SQL scan that returns only the few bad rows; it runs at the same time on a second
connection that imports this transaction's snapshot, so both halves judge the same ledger.
Check 2 compares each row's bytes with the event's canonical text rebuilt inline from its
columns (``_QUICK``, then ``_RENDERED_HEAD``); only a row that differs pays for the reference
function ``audit_event_canonical``. Inside a caller's transaction the checks run one after the
other on the caller's connection instead, the seals read in position order.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from psycopg import sql as pgsql

from . import conf, keys, merkle, notes
from .findings import (
    Problem,
    VerificationResult,
    explain_breaks,
    explain_edits,
    explain_mismatches,
    report_unsealed,
)
from .models import AuditCheckpoint, AuditVerification

MAX_PROBLEMS_STORED = 1000

# The event's canonical text (casework/audit/sql.py, ``audit_event_canonical``, format 1) up to
# and after the two free-form members, rebuilt inline from the row's columns: a PL/pgSQL call
# per row costs more than the whole comparison. ``changes`` and ``details`` (the only members
# whose canonical form needs the general RFC 8785 writer) are compared as JSON instead, by
# parsing just that part of the stored bytes. tests/audit/test_verification.py holds this to
# ``audit_event_canonical`` and edits every column to show that each edit is caught.
_RENDERED_HEAD = """'{"action":' || to_json(e.action)::text
    || ',"actor_id":' || coalesce(e.actor_id::text, 'null')
    || ',"actor_username":' || to_json(e.actor_username)::text
    || ',"case_id":' || coalesce(e.case_id::text, 'null') || ','"""
_RENDERED_TAIL = """',"id":' || e.id::text
    || ',"ip_address":' || coalesce(to_json(host(e.ip_address))::text, 'null')
    || ',"object_id":' || to_json(e.object_id)::text
    || ',"object_type":' || to_json(e.object_type)::text
    || ',"occurred_at":"'
    || to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
    || ',"outcome":' || to_json(e.outcome)::text
    || ',"reason":' || to_json(e.reason)::text
    || ',"request_id":' || to_json(e.request_id)::text
    || ',"source":' || to_json(e.source)::text
    || ',"user_agent":' || to_json(e.user_agent)::text
    || ',"v":1}'"""
# True when the bytes are head || '"changes":C,"details":D' || tail and C, D parse to the
# row's ``changes`` and ``details``. False (never an error) when head or tail differ; the parse
# runs only when both match, and raises only for bytes that are not UTF-8 JSON.
_FAST = """CASE
    WHEN length(e.canonical) > length(r.head) + length(r.tail)
     AND substr(e.canonical, 1, length(r.head)) = r.head
     AND substr(e.canonical, length(e.canonical) - length(r.tail) + 1) = r.tail
    THEN ('{' || convert_from(substr(e.canonical, length(r.head) + 1,
                                     length(e.canonical) - length(r.head) - length(r.tail)),
                              'UTF8') || '}')::jsonb
         = jsonb_build_object('changes', coalesce(e.changes, '{}'),
                              'details', coalesce(e.details, '{}'))
    ELSE false END"""
# The reference: the bytes the database's own function writes for the row now.
_EXACT = "e.canonical = convert_to(audit_event_canonical(e), 'UTF8')"
_FAST_OR_EXACT = f"CASE WHEN {_FAST} THEN true ELSE {_EXACT} END"
# The quick check, for the common event (issue 26): nothing in ``changes`` or ``details``, and
# no text column holding a character that JSON escapes (a quote, a backslash, a control
# character: all that PostgreSQL's ``to_json`` and RFC 8785 escape). For such a row
# ``to_json(x)::text`` is ``'"' || x || '"'``, so the row's whole canonical text is plain
# concatenation: one comparison with the bytes, no ``to_json`` per column and no JSON parse.
# The guard is on the row, not on the bytes: a row edited from ``a"b`` to ``a\"b`` renders,
# unescaped, to the very bytes sealed for ``a"b``, and must still be named. A row the quick
# check does not accept (a guard fails, or the text differs: an edit) goes to the checks above
# unchanged: the quick check can only say "this row says what its bytes say".
_PLAIN_TEXT = """(e.action || e.actor_username || e.object_id || e.object_type || e.outcome
        || e.reason || e.request_id || e.source || e.user_agent)"""
_ESCAPED = r"""'[\u0001-\u001f"\\]'"""
_RENDERED_PLAIN = """'{"action":"' || e.action
    || '","actor_id":' || coalesce(e.actor_id::text, 'null')
    || ',"actor_username":"' || e.actor_username
    || '","case_id":' || coalesce(e.case_id::text, 'null')
    || ',"changes":{},"details":{},"id":' || e.id::text
    || ',"ip_address":' || coalesce('"' || host(e.ip_address) || '"', 'null')
    || ',"object_id":"' || e.object_id
    || '","object_type":"' || e.object_type
    || '","occurred_at":"'
    || to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    || '","outcome":"' || e.outcome
    || '","reason":"' || e.reason
    || '","request_id":"' || e.request_id
    || '","source":"' || e.source
    || '","user_agent":"' || e.user_agent
    || '","v":1}'"""
_QUICK = f"""e.changes = '{{}}' AND e.details = '{{}}'
    AND {_PLAIN_TEXT} !~ {_ESCAPED}
    AND e.canonical = convert_to({_RENDERED_PLAIN}, 'UTF8')"""
# The seals in position order, each with its event's bytes. A merge join of the two tables
# would need both in event order and then a sort of every row by position (on disk beyond a
# few megabytes); an index lookup per seal streams in position order from the first row, and
# as the sealer assigns positions in nearly id order, the lookups walk the heap sequentially.
# ``OFFSET 0`` keeps PostgreSQL from turning the lookup back into that join. NULL hashes come
# through as empty bytes so that they fail their comparison instead of the loop.
#
# The event's bytes come prefixed with the leaf hash's 0x00 (RFC 9162): NULL when the event is
# gone, and a present event without bytes hashes as the empty text it is. Python still hashes
# every byte it is given; the prefix only spares the hashing loop a copy of each event.
_STREAM = """
SELECT s.position, s.event_id, coalesce(s.leaf_hash, ''), coalesce(s.chain_hash, ''),
       CASE WHEN e.id IS NOT NULL THEN '\\x00'::bytea || coalesce(e.canonical, '') END
  FROM audit_auditseal AS s
  LEFT JOIN LATERAL (SELECT x.id, x.canonical FROM audit_auditevent AS x
                      WHERE x.id = s.event_id OFFSET 0) AS e ON true
 ORDER BY s.position
"""
# The same rows in event order, and every unsealed event too (check 6), from one merge join of
# the two id indexes (issue 26): no lookup per seal (four buffer visits each), and no
# separate pass for check 6. The sealer assigns positions in nearly id order, so the seals
# arrive nearly in position order; the loop holds back the few that come early (at most
# ``_REORDER_LIMIT``, about 600 bytes each with their event's bytes) and, should a ledger be
# far out of order, starts over with ``_STREAM``. Hash joins and sorts are off for the statement
# (see ``_streamed_rows``). A row without a position is an unsealed event.
_STREAM_BY_EVENT = """
SELECT s.position, coalesce(s.event_id, e.id), coalesce(s.leaf_hash, ''),
       coalesce(s.chain_hash, ''),
       CASE WHEN e.id IS NOT NULL THEN '\\x00'::bytea || coalesce(e.canonical, '') END
  FROM audit_auditseal AS s
  FULL JOIN audit_auditevent AS e ON e.id = s.event_id
"""
# Seals held back while they wait for an earlier position: at most about 60 MB.
_REORDER_LIMIT = 100_000
# Rows per chunk of the stream, about 100 kB. With chunked rows (libpq 17 and later) PostgreSQL
# keeps producing rows while Python hashes the previous chunk, so the stream costs the larger of
# the two, not their sum (0.29 s against 0.55 s for 200,000 events with FETCH batches, in which
# each waited for the other). Chunks of 1,000 rows or more let the two fall back into step.
_CHUNK = 256
# Rows per FETCH where libpq is older: about a megabyte, built by psycopg in C in under half a
# microsecond a row (batches of 20,000 cost nearly three times that per row).
_BATCH = 2000
# Check 6 finds the unsealed events from the two tables' id indexes alone (index-only scans
# merged), then reads only those rows: reading every event's row for the columns of the few
# that survive cost three times as much (issue 26: 0.97 against 0.27 s of CPU at 2M events).
_UNSEALED = """
SELECT e.id, e.canonical IS NULL, e.txid < %s::text::xid8, e.occurred_at
  FROM audit_auditevent AS e
 WHERE e.id IN (SELECT x.id FROM audit_auditevent AS x
                 WHERE NOT EXISTS (SELECT 1 FROM audit_auditseal AS s WHERE s.event_id = x.id))
 ORDER BY e.id
"""


_UNSEALED_BY_ID = """
SELECT e.id, e.canonical IS NULL, e.txid < %s::text::xid8, e.occurred_at
  FROM audit_auditevent AS e
 WHERE e.id = ANY(%s)
 ORDER BY e.id
"""


class _OutOfOrder(Exception):
    """The seals came too far out of position order to hold back: stream them in order."""


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
        horizon = (
            AuditCheckpoint.objects.order_by("-id").values_list("sealed_below", flat=True).first()
        )
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-audit") as pool:
                beside = pool.submit(_checks_beside_the_stream, snapshot)
                found_before = len(result.problems)
                try:
                    mismatched, unsealed_ids = _stream(result, by_size, by_event=True)
                except _OutOfOrder:
                    del result.problems[found_before:]
                    mismatched, unsealed_ids = _stream(result, by_size)
                edited = beside.result()
            unsealed = _unsealed(connection.connection, horizon or 0, unsealed_ids)
        else:
            # Inside the caller's transaction, whose own writes no other connection can see:
            # everything runs here, one check after the other, the seals in position order.
            mismatched, _ = _stream(result, by_size)
            edited = _edited(connection.connection)
            unsealed = _unsealed(connection.connection, horizon or 0, None)
        explain_edits(result, edited, mismatched)
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
        report_unsealed(result, unsealed)
    result.seconds = time.monotonic() - started
    if record:
        record_verification(result)
    return result


def _checks_beside_the_stream(snapshot: str) -> list[int]:
    """Check 2 on a second connection, in a thread, while the caller streams.

    The connection imports the verifying transaction's snapshot, so it judges exactly the
    ledger the stream reads, whatever a sealer or an application commits meanwhile. The thread
    mostly waits on PostgreSQL (psycopg releases the GIL), so the hashing loop keeps its core.
    """
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        side.ensure_connection()
        raw = side.connection
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.transaction():
            raw.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
            return _edited(raw)
    finally:
        side.close()


def _edited_query(check: str) -> str:
    """Rows whose columns no longer say what their bytes say; only the few edited rows return.

    ``ROWS FROM`` computes the head and tail once per row for the three references to each,
    and, unlike a sub-select kept apart with ``OFFSET 0``, lets PostgreSQL scan in parallel.
    ``IS NOT TRUE``: a column emptied to NULL (its NOT NULL constraint dropped first) makes the
    rebuilt text NULL, and that is an edit too, not a row to skip. No ORDER BY: a sort would
    steer the planner to a single-process index scan; the few ids are sorted in Python.
    """
    return f"""
SELECT e.id
  FROM audit_auditevent AS e
 WHERE e.canonical IS NOT NULL
   AND (CASE WHEN {_QUICK} THEN true
             ELSE (SELECT {check}
                     FROM ROWS FROM (convert_to({_RENDERED_HEAD}, 'UTF8'),
                                     convert_to({_RENDERED_TAIL}, 'UTF8')) AS r (head, tail))
        END) IS NOT TRUE
"""


def _edited(raw: psycopg.Connection) -> list[int]:
    """The ids of edited rows (check 2), from ``raw``."""
    with raw.cursor() as cursor:
        try:
            with raw.transaction():  # a savepoint: the fallback below still has a transaction
                cursor.execute(_edited_query(_FAST_OR_EXACT))
                return sorted(row[0] for row in cursor.fetchall())
        except psycopg.DataError:
            # Some stored bytes are not UTF-8 JSON (the fast check parses part of them): use
            # the exact check alone, which only compares bytes.
            cursor.execute(_edited_query(_EXACT))
            return sorted(row[0] for row in cursor.fetchall())


def _unsealed(raw: psycopg.Connection, horizon: int, ids: list[int] | None) -> list[tuple]:
    """Check 6: every unsealed event, as ``(id, no bytes, behind the horizon, occurred at)``;
    ``ids`` are those the stream in event order already found (None: find them here)."""
    if ids is not None and not ids:
        return []
    if ids is None:
        # Where the statistics say the ledger is empty (a table analysed before the rows of the
        # caller's still open transaction were written), the planner joins the two id scans in
        # a nested loop with the id comparison as a filter: every event against every event,
        # minutes for ten thousand. The merge (or hash) join it otherwise picks is linear
        # whatever the estimates.
        with _planner_without(raw, "enable_nestloop"), raw.cursor() as cursor:
            cursor.execute(_UNSEALED, [horizon])
            return cursor.fetchall()
    with raw.cursor() as cursor:
        cursor.execute(_UNSEALED_BY_ID, [horizon, ids])
        return cursor.fetchall()


@contextlib.contextmanager
def _planner_without(raw: psycopg.Connection, *methods: str):
    """The planner ``methods`` (``enable_…`` settings) off for the statements of the block.

    ``SET LOCAL`` lasts to the end of the transaction, which may be the caller's, so they are
    reset when the block ends; outside a transaction (autocommit) it changes nothing, and
    there is nothing to reset."""
    with raw.cursor() as cursor:
        for method in methods:
            cursor.execute(f"SET LOCAL {method} = off")
    try:
        yield
    finally:
        if raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            with raw.cursor() as cursor:
                for method in methods:
                    cursor.execute(f"RESET {method}")


def _stream(
    result: VerificationResult, by_size: dict, *, by_event: bool = False
) -> tuple[set[int], list[int] | None]:
    """Checks 1, 3 and 4 over every seal in position order; returns the ids whose bytes were
    named, and (``by_event``) the ids of the events without a seal.

    ``by_event`` reads ``_STREAM_BY_EVENT``: a seal that arrives before its turn waits in
    ``waiting`` until the positions before it have been taken, so the chain and the tree are
    still built in position order; what still waits at the end follows a gap. Raises
    ``_OutOfOrder`` (before anything is reported) when more than ``_REORDER_LIMIT`` seals wait
    or a position comes twice: the caller then streams in position order instead.

    The loop is the verifier's hot path: three SHA-256 per event on average (leaf, chain link,
    one Merkle node) take most of its time, so it does little else per row: locals instead of
    attribute lookups, the Merkle frontier's append written out here rather than called
    (``merkle.Frontier.append_recording``, which tests/audit/test_merkle.py holds to RFC 9162),
    and objects only for what turns out to be wrong.
    """
    sha256 = hashlib.sha256
    frontier = merkle.Frontier()
    hashes = frontier.hashes  # appended to in place: frontier.root() reads them
    stored_height = merkle.STORED_HEIGHT
    nodes: list[tuple[int, int, bytes]] = []  # the subtree hashes the log serves (check 7)
    chain = merkle.CHAIN_START
    expected_position = 0
    leaves = 0  # frontier.size, kept in a local
    mismatched: list[tuple[int, int, bytes]] = []  # (position, event id, computed leaf)
    stored_leaf_at: dict[bytes, tuple[int, int]] = {}
    breaks: list[tuple[int, int, bytes, bytes, bytes]] = []
    problems = result.problems
    unsealed: list[int] = []
    waiting: dict[int, tuple] = {}  # position: row, for seals that came before their turn
    with _streamed_rows(_STREAM_BY_EVENT if by_event else _STREAM) as rows:
        holding = by_event
        for source in (rows, _left_waiting(waiting)):
            for row in source:
                position = row[0]
                if position != expected_position:
                    if position is None:  # an event without a seal (check 6)
                        unsealed.append(row[1])
                        continue
                    if holding:
                        if (
                            position < expected_position
                            or position in waiting
                            or len(waiting) >= _REORDER_LIMIT
                        ):
                            raise _OutOfOrder
                        waiting[position] = row
                        continue
                    problems.append(
                        Problem(
                            "removed",
                            f"sealed entries at positions {expected_position}-{position - 1} "
                            "are missing from the seal table",
                            position=expected_position,
                        )
                    )
                while row is not None:
                    position, event_id, stored_leaf, stored_chain, leaf_input = row
                    if leaf_input is not None:
                        leaf = sha256(leaf_input).digest()  # merkle.leaf_hash: 0x00 || bytes
                        if leaf != stored_leaf:
                            mismatched.append((position, event_id, leaf))
                            stored_leaf_at[stored_leaf] = (position, event_id)
                    else:
                        problems.append(
                            Problem(
                                "removed",
                                f"event #{event_id} was removed (it was sealed at position "
                                f"{position})",
                                event_id,
                                position,
                            )
                        )
                    if sha256(chain + stored_leaf).digest() != stored_chain:
                        breaks.append((position, event_id, chain, stored_leaf, stored_chain))
                    chain = stored_chain
                    # merkle.Frontier.append_recording, inlined: each trailing 1 bit of the old
                    # size is a perfect subtree that now gets its right sibling (node_hash).
                    hashes.append(stored_leaf)
                    size = leaves
                    height = 0
                    while size & 1:
                        right = hashes.pop()
                        hashes[-1] = sha256(b"\x01" + hashes[-1] + right).digest()
                        size >>= 1
                        height += 1
                        if height >= stored_height:
                            nodes.append((height, size, hashes[-1]))
                    leaves += 1
                    if leaves in by_size:
                        frontier.size = leaves
                        _check_checkpoints(problems, by_size[leaves], frontier, chain)
                    expected_position = position + 1
                    row = waiting.pop(expected_position, None) if waiting else None
            holding = False  # what still waits follows a gap
    frontier.size = leaves
    result.events_checked = result.tree_size = frontier.size
    explain_mismatches(result, mismatched, stored_leaf_at)
    explain_breaks(result, breaks)
    _check_tree_nodes(result, nodes)
    return {event_id for _, event_id, _ in mismatched}, (unsealed if by_event else None)


def _left_waiting(waiting: dict):
    """The seals still waiting once the stream has ended, in position order (read lazily:
    taking one may take those right after it too)."""
    for position in sorted(waiting):
        row = waiting.pop(position, None)
        if row is not None:
            yield row


@contextlib.contextmanager
def _streamed_rows(query: str = _STREAM):
    """The rows of ``query`` (the seals and their events' bytes), in binary (bytea arrives as
    bytes, not as hex text twice its size), in constant memory."""
    raw = connection.connection
    # A hash join gives no order; sorting millions of rows for a merge join spills to disk.
    # The two indexes of the stream in event order give the order for free.
    planner = (
        _planner_without(raw, "enable_hashjoin", "enable_sort")
        if query is _STREAM_BY_EVENT
        else contextlib.nullcontext()
    )
    with planner:
        if psycopg.pq.version() >= 170000:
            # Django's cursors bind parameters on the client, which cannot ask for binary rows.
            with psycopg.Cursor(raw) as cursor:
                rows = cursor.stream(query, binary=True, size=_CHUNK)
                try:
                    yield rows
                finally:
                    rows.close()  # stopped early: the rest is cancelled and drained
        else:
            with raw.cursor(name="audit_verify", binary=True) as cursor:  # server-side
                cursor.execute(query)
                yield _fetched(cursor)


def _fetched(cursor):
    """A server-side cursor's rows, one round trip per batch."""
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


def _check_checkpoints(problems: list, expected: list, frontier, chain: bytes) -> None:
    """Check 4 at one tree size: the root (and the chain head a database checkpoint records)."""
    size = frontier.size
    root = frontier.root()
    for item in expected:
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


def _check_tree_nodes(result: VerificationResult, computed: list) -> None:
    """Check 7: the stored subtree hashes (what tiles and proofs are built from) are the ones
    the sealed leaves give. A wrong one forges nothing (proofs are checked against the signed
    root) but makes proofs fail: name it. Nodes not stored yet are the sealer's to catch up."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT height, index, hash FROM audit_audittreenode")
        stored = {(height, index): bytes(value) for height, index, value in cursor.fetchall()}
    for height, index, value in computed:
        found = stored.pop((height, index), None)
        if found is not None and found != value:
            result.problems.append(
                Problem(
                    "tree",
                    f"the stored hash of leaves {index << height}-{((index + 1) << height) - 1} "
                    "does not match the sealed leaves: tiles and proofs built from it fail",
                    position=index << height,
                )
            )
    for height, index in stored:
        result.problems.append(
            Problem(
                "tree",
                f"a stored hash for leaves {index << height}-{((index + 1) << height) - 1} "
                "lies beyond the sealed tree",
                position=index << height,
            )
        )


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

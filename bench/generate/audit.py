"""The audit trail: an event for every generated change, then views, searches and sign-ins.

Structural events (``case.create`` at each case's opening, ``case.assign`` for each assignment,
``referral.create`` at each receipt) are merged in time order with filler events (views of cases
already open by their lead, referral views, sign-ins, searches) up to the scale's total, so ids
follow time as they do in production and each case's timeline starts with its creation.
This is by far the largest table (20 million rows at national scale); its indexes are built after
the load.
"""

from __future__ import annotations

import heapq
import tempfile
import time
from bisect import bisect_right
from collections.abc import Iterator
from datetime import datetime
from hashlib import sha256

from django.db import connection, transaction
from django.utils import timezone

from casework.audit.models import AuditEvent

from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context

NAME = "audit"
REQUIRES = ("audit.AuditEvent",)
SEAL_BATCH = 200_000
# The ledger's BEFORE INSERT trigger computes each event's canonical bytes in PL/pgSQL, at about
# 4,000 events a second here: 80 minutes for the national trail. The generator writes the same
# bytes itself (RFC 8785 of the same document, format version 1, see casework/audit/sql.py) with
# the trigger off; tests/bench proves them byte-for-byte equal to what the trigger computes.
FORMAT_VERSION = 1

USER_AGENT = "Synthetic browser 1.0"
SOURCE = "service"


def load(ctx: Context) -> None:
    started = time.perf_counter()
    columns = (
        "id",
        "occurred_at",
        "actor_id",
        "actor_username",
        "action",
        "outcome",
        "object_type",
        "object_id",
        "case_id",
        "request_id",
        "ip_address",
        "user_agent",
        "reason",
        "changes",
        "details",
        "source",
        "canonical",
    )
    sealer = InlineSealer.start()
    first = next_id(AuditEvent)
    with deferred_indexes(AuditEvent, enabled=ctx.defer_indexes):
        # The fast path: lines formatted here (every value is known to need no escaping).
        loaded = ModelCopy(AuditEvent, columns).load_lines(_merged(ctx, first, sealer))
    reset_sequence(AuditEvent)
    ctx.record("audit.AuditEvent (with seals computed inline)", loaded, started)
    if sealer is not None:
        started = time.perf_counter()
        sealed = sealer.finish()
        ctx.record("audit.AuditSeal + signed checkpoint", sealed, started)
        ctx.audit_sealed_inline = True


class InlineSealer:
    """Seals the generated events while they stream past, as ``casework.audit.sealing`` would.

    The application's sealer reads every event back, hashes it and writes its seal, at about
    20,000 events a second here: a quarter of an hour for the national trail. The generator
    already holds each event's bytes, so it computes the same leaf hash, chain link and Merkle
    frontier (with ``casework.audit.merkle``) in the same order the sealer uses (transaction,
    then id: all generated events share one transaction), writes the seals with COPY and one
    signed checkpoint. Events that existed before (data migrations) are sealed first by the
    application's own sealer. ``verify_audit`` in the benchmark run checks the result.
    """

    def __init__(self, frontier, chain: bytes, checkpoint_id: int) -> None:
        self.frontier = frontier
        self.chain = chain
        self.checkpoint_id = checkpoint_id
        self.count = 0
        # The tree's stored subtree hashes (issue 18), written with the seals, so the first
        # sealing run of the benchmark does not have to catch them up from 20M leaves.
        self.nodes: list[tuple[int, int, bytes]] = []
        # Seals wait on disk (about 170 bytes each) until the events are in: one COPY at a time.
        self.file = tempfile.TemporaryFile("w+", encoding="ascii")  # noqa: SIM115 - closed in finish()

    @classmethod
    def start(cls) -> InlineSealer | None:
        try:
            from casework.audit import merkle
            from casework.audit.models import AuditCheckpoint, AuditSeal  # noqa: F401
            from casework.audit.sealing import seal_all
        except ImportError:
            return None
        seal_all(rounds=1000, sign=False)
        last = AuditCheckpoint.objects.order_by("-id").first()
        if last is None:
            frontier, chain = merkle.Frontier(), merkle.CHAIN_START
        else:
            frontier = merkle.Frontier(last.tree_size, (bytes.fromhex(h) for h in last.frontier))
            chain = bytes(last.chain_head)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('audit_auditcheckpoint', 'id'))")
            checkpoint_id = cursor.fetchone()[0]
        return cls(frontier, chain, checkpoint_id)

    def add(self, event_id: int, canonical: bytes) -> None:
        leaf = sha256(b"\x00" + canonical).digest()
        self.chain = sha256(self.chain + leaf).digest()
        self.file.write(
            f"{self.frontier.size}\t{event_id}\t\\\\x{leaf.hex()}\t\\\\x{self.chain.hex()}"
            f"\t{self.checkpoint_id}\n"
        )
        if hasattr(self.frontier, "append_recording"):
            self.frontier.append_recording(leaf, self.nodes)
        else:
            self.frontier.append(leaf)
        self.count += 1

    def finish(self) -> int:
        from casework.audit import conf, keys, notes, sealing
        from casework.audit.models import AuditCheckpoint

        now = timezone.now()
        root = self.frontier.root()
        origin = conf.log_origin()
        note = notes.sign(
            notes.Checkpoint(origin=origin, size=self.frontier.size, root=root),
            keys.signing_key(),
            name=origin,
        )
        with connection.cursor() as cursor:
            below = sealing.horizon(cursor)
        checkpoint = AuditCheckpoint.objects.create(
            id=self.checkpoint_id,
            created_at=now,
            tree_size=self.frontier.size,
            root_hash=root,
            chain_head=self.chain,
            frontier=[h.hex() for h in self.frontier.hashes],
            sealed_below=below,
            sealed_count=self.count,
            signed_note=note,
            key_name=origin,
            file_name=sealing._file_name(now, self.frontier.size),
        )
        self.file.seek(0)
        with (
            connection.cursor() as wrapper,
            wrapper.cursor.copy(
                "COPY audit_auditseal (position, event_id, leaf_hash, chain_hash, checkpoint_id) "
                "FROM STDIN"
            ) as copy,
        ):
            while chunk := self.file.read(1 << 20):
                copy.write(chunk.encode())
        self.file.close()
        try:
            from casework.audit import tree
        except ImportError:
            pass
        else:
            # The sealer run in start() left the nodes complete up to where these begin.
            tree.store_nodes(self.nodes)
        transaction.on_commit(
            lambda: sealing.write_checkpoint_file(checkpoint.file_name, checkpoint.signed_note)
        )
        return self.count


def after_commit(ctx: Context, say) -> None:
    """Seal what is not sealed yet with the application's own sealer (everything, when the
    inline sealer could not run)."""
    try:
        from casework.audit.sealing import seal_all
    except ImportError:
        ctx.loaded.append(
            {
                "table": "audit seals",
                "rows": 0,
                "status": "not-built",
                "note": "no casework.audit.sealing yet",
            }
        )
        return
    started = time.perf_counter()
    total = AuditEvent.objects.count()
    result = seal_all(limit=SEAL_BATCH, rounds=total // SEAL_BATCH + 2, sign=None)
    ctx.record("audit seals (application sealer)", result["sealed"], started)


def _merged(ctx: Context, first_id: int, sealer: InlineSealer | None) -> Iterator[str]:
    rng = ctx.rng
    cases = ctx.cases
    names = ctx.usernames

    bits = rng.getrandbits

    def request() -> tuple[str, str]:
        address = bits(16)
        return f"{bits(128):032x}", f"10.{address >> 8}.{address & 255}.1"

    def case_created() -> Iterator[tuple[datetime, tuple]]:
        for case_id, lead, at, number in zip(
            cases.ids, cases.lead_ids, cases.opened_at, cases.numbers, strict=True
        ):
            yield (
                at,
                (
                    lead,
                    "case.create",
                    "cases.case",
                    case_id,
                    case_id,
                    f'{{"number":[null,"{number}"]}}',
                    "{}",
                ),
            )

    def case_assigned() -> Iterator[tuple[datetime, tuple]]:
        first_case = cases.ids[0] if cases.ids else 0
        for case_id, user, at in sorted(cases.assignments, key=lambda a: a[2]):
            lead = cases.lead_ids[case_id - first_case]
            details = f'{{"user":"{names[user]}"}}'
            yield at, (lead, "case.assign", "cases.case", case_id, case_id, "{}", details)

    def referral_created() -> Iterator[tuple[datetime, tuple]]:
        for referral_id, at, unit_id in zip(
            ctx.referral_ids, ctx.referral_times, ctx.referral_units, strict=True
        ):
            actor = ctx.investigators[unit_id][referral_id % len(ctx.investigators[unit_id])]
            yield (
                at,
                (actor, "referral.create", "referrals.referral", referral_id, None, "{}", "{}"),
            )

    structural = len(cases.ids) + len(cases.assignments) + len(ctx.referral_ids)
    filler_count = max(0, ctx.scale.audit_events - structural)

    def filler() -> Iterator[tuple[datetime, tuple]]:
        if not filler_count:
            return
        step = (ctx.now - ctx.start) / filler_count
        all_investigators = [u for users in ctx.investigators.values() for u in users]
        all_supervisors = [u for users in ctx.supervisors.values() for u in users]
        random = rng.random
        start = ctx.start
        for n in range(filler_count):
            at = start + step * (n + random())
            roll = random()
            open_cases = bisect_right(cases.opened_at, at)
            received = bisect_right(ctx.referral_times, at)
            if roll < 0.70 and open_cases:
                index = int(random() * open_cases)
                case_id = cases.ids[index]
                yield (
                    at,
                    (
                        cases.lead_ids[index],
                        "case.view",
                        "cases.case",
                        case_id,
                        case_id,
                        "{}",
                        "{}",
                    ),
                )
            elif roll < 0.85 and received:
                index = int(random() * received)
                unit_id = ctx.referral_units[index]
                team = ctx.investigators[unit_id]
                actor = team[int(random() * len(team))]
                referral_id = ctx.referral_ids[index]
                yield (
                    at,
                    (actor, "referral.view", "referrals.referral", referral_id, None, "{}", "{}"),
                )
            elif roll < 0.95:
                yield (
                    at,
                    (
                        all_investigators[int(random() * len(all_investigators))],
                        "auth.sign_in",
                        "",
                        "",
                        None,
                        "{}",
                        "{}",
                    ),
                )
            else:
                details = '{"filters":{"status":"open"}}'
                yield at, (rng.choice(all_supervisors), "case.search", "", "", None, "{}", details)

    merged = heapq.merge(case_created(), case_assigned(), referral_created(), filler(), key=_first)
    for event_id, (
        at,
        (actor, action, object_type, object_id, case_id, changes, details),
    ) in enumerate(merged, start=first_id):
        request_id, ip = request()
        username = names.get(actor, "")
        case = "null" if case_id is None else case_id
        # Keys in code-point order, no spaces: RFC 8785 for these ASCII, integer-only values.
        canonical = (
            f'{{"action":"{action}","actor_id":{actor},"actor_username":"{username}",'
            f'"case_id":{case},"changes":{changes},"details":{details},"id":{event_id},'
            f'"ip_address":"{ip}","object_id":"{object_id}","object_type":"{object_type}",'
            f'"occurred_at":"{at:%Y-%m-%dT%H:%M:%S.%f}Z","outcome":"succeeded","reason":"",'
            f'"request_id":"{request_id}","source":"{SOURCE}","user_agent":"{USER_AGENT}",'
            f'"v":{FORMAT_VERSION}}}'
        )
        case = "\\N" if case_id is None else case_id
        raw = canonical.encode()
        if sealer is not None:
            sealer.add(event_id, raw)
        yield (
            f"{event_id}\t{at.isoformat()}\t{actor}\t{username}\t{action}\tsucceeded\t"
            f"{object_type}\t{object_id}\t{case}\t{request_id}\t{ip}\t{USER_AGENT}\t\t"
            f"{changes}\t{details}\t{SOURCE}\t\\\\x{raw.hex()}"
        )


def _first(item: tuple) -> datetime:
    return item[0]

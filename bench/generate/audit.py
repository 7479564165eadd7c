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
import time
from bisect import bisect_right
from collections.abc import Iterator
from datetime import datetime

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
    first = next_id(AuditEvent)
    with deferred_indexes(AuditEvent, enabled=ctx.defer_indexes):
        # The fast path: lines formatted here (every value is known to need no escaping).
        loaded = ModelCopy(AuditEvent, columns).load_lines(_merged(ctx, first))
    reset_sequence(AuditEvent)
    ctx.record("audit.AuditEvent", loaded, started)


def after_commit(ctx: Context, say) -> None:
    """Seal every generated event with the application's own sealer, as production would
    have: the chain and the tree are then whole, and the time it takes is the sealing rate."""
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


def _merged(ctx: Context, first_id: int) -> Iterator[str]:
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
        yield (
            f"{event_id}\t{at.isoformat()}\t{actor}\t{username}\t{action}\tsucceeded\t"
            f"{object_type}\t{object_id}\t{case}\t{request_id}\t{ip}\t{USER_AGENT}\t\t"
            f"{changes}\t{details}\t{SOURCE}\t\\\\x{canonical.encode().hex()}"
        )


def _first(item: tuple) -> datetime:
    return item[0]

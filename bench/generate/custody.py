"""Evidence items and their custody chains (issue 6).

Each item is a reference into one synthetic evidence store (``STORE-000000042``), with the
store's SHA-256 and an unbroken chain of four events, numbered 1..4 without gaps: seized by the
case's lead, transferred to an investigator of the unit, hash verified by that holder, submitted
to the national database. ``current_holder``, ``last_event`` and ``submitted_at`` say what the
chain says, as the custody services keep them. No released or disposed items (those need a
second signature), so every item is in custody.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps

from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context

NAME = "custody"
REQUIRES = ("custody.EvidenceStore", "custody.EvidenceItem", "custody.CustodyEvent")
EVENTS_PER_ITEM = 4


def load(ctx: Context) -> None:
    rng, cases = ctx.rng, ctx.cases
    store_model = apps.get_model("custody.EvidenceStore")
    item_model = apps.get_model("custody.EvidenceItem")
    event_model = apps.get_model("custody.CustodyEvent")
    hash_model = apps.get_model("custody.EvidenceHash")
    if not cases.ids:
        return

    started = time.perf_counter()
    store_id = next_id(store_model)
    loaded = ModelCopy.present(
        store_model, ("id", "created_at", "updated_at", "name", "identifier_pattern")
    ).load_dicts(
        [
            {
                "id": store_id,
                "created_at": ctx.start,
                "updated_at": ctx.start,
                "name": f"Synthetic Evidence Store {store_id:02d}",
                "identifier_pattern": r"^STORE-[0-9]{9}$",
            }
        ]
    )
    reset_sequence(store_model)
    ctx.record("custody.EvidenceStore", loaded, started)

    items = max(1, ctx.scale.custody_events // EVENTS_PER_ITEM)
    first_item, first_event = next_id(item_model), next_id(event_model)
    # (item_id, case index, seized_at, seizer, holder, submitted_at)
    plan = []
    random = rng.random
    for n in range(items):
        index = int(random() * len(cases.ids))
        team = ctx.investigators[cases.unit_ids[index]]
        seized = cases.opened_at[index] + timedelta(hours=1 + int(random() * 240))
        seized = min(seized, ctx.now - timedelta(days=4))
        holder = team[int(random() * len(team))]
        plan.append((first_item + n, index, seized, cases.lead_ids[index], holder))

    def item_rows() -> Iterator[dict]:
        for item_id, index, seized, seizer, holder in plan:
            yield {
                "id": item_id,
                "created_at": seized,
                "updated_at": seized + timedelta(days=3),
                "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "case_id": cases.ids[index],
                "store_id": store_id,
                "store_identifier": f"STORE-{item_id:09d}",
                "exhibit_number": f"EX-{item_id:07d}",
                "kind": "storage_medium",
                "description": f"Synthetic exhibit {item_id:07d}",
                "seized_at": seized,
                "seized_place": "Synthetic place",
                "seizure_authority": "Synthetic warrant",
                "seized_by_id": seizer,
                "state": "in_custody",
                "current_holder_id": holder,
                "last_event_id": first_event + (item_id - first_item) * EVENTS_PER_ITEM + 3,
                "hash_mismatch": False,
                "submitted_at": seized + timedelta(days=3),
                "created_by_id": seizer,
            }

    def event_rows() -> Iterator[dict]:
        for item_id, _, seized, seizer, holder in plan:
            event_id = first_event + (item_id - first_item) * EVENTS_PER_ITEM
            common = {"item_id": item_id, "note": "", "place": "Synthetic place"}
            steps = (
                ("seized", seized, {"received_by_id": seizer, "recorded_by_id": seizer}),
                (
                    "transferred",
                    seized + timedelta(days=1),
                    {
                        "released_by_id": seizer,
                        "received_by_id": holder,
                        "recorded_by_id": holder,
                        "transfer_reason": "Examination",
                    },
                ),
                (
                    "hash_verified",
                    seized + timedelta(days=2),
                    {
                        "recorded_by_id": holder,
                        "hash_algorithm": "sha256",
                        "hash_value": digest(item_id),
                        "hash_result": "match",
                    },
                ),
                (
                    "submitted",
                    seized + timedelta(days=3),
                    {
                        "recorded_by_id": holder,
                        "submission_reference": f"SYN-SUB-{item_id:07d}",
                        "count_new": 0,
                        "count_known": 0,
                        "count_series_matched": 0,
                    },
                ),
            )
            for sequence, (kind, at, extra) in enumerate(steps, start=1):
                yield {
                    **common,
                    **extra,
                    "id": event_id + sequence - 1,
                    "sequence": sequence,
                    "kind": kind,
                    "started_at": at,
                    "recorded_at": at,
                }

    first_hash = next_id(hash_model)

    def hash_rows() -> Iterator[dict]:
        for n, (item_id, _, seized, seizer, _) in enumerate(plan):
            yield {
                "id": first_hash + n,
                "item_id": item_id,
                "algorithm": "sha256",
                "value": digest(item_id),
                "recorded_by_id": seizer,
                "recorded_at": seized,
            }

    item_columns = (
        "id", "created_at", "updated_at", "public_id", "case_id", "store_id", "store_identifier",
        "exhibit_number", "kind", "description", "seized_at", "seized_place", "seizure_authority",
        "seized_by_id", "state", "current_holder_id", "last_event_id", "hash_mismatch",
        "submitted_at", "created_by_id",
    )  # fmt: skip
    event_columns = (
        "id", "item_id", "sequence", "kind", "started_at", "place", "released_by_id",
        "received_by_id", "purpose", "transfer_reason", "hash_algorithm", "hash_value",
        "hash_result",
        "submission_reference", "count_new", "count_known", "count_series_matched", "note",
        "recorded_by_id", "recorded_at",
    )  # fmt: skip
    hash_columns = ("id", "item_id", "algorithm", "value", "recorded_by_id", "recorded_at")
    # Items point at their last event and events at their item: one index-deferral window
    # for the three tables, so references are checked (when they are) after both exist.
    with deferred_indexes(item_model, event_model, hash_model, enabled=ctx.defer_indexes):
        started = time.perf_counter()
        loaded = ModelCopy.present(item_model, item_columns).load_dicts(item_rows())
        ctx.record("custody.EvidenceItem", loaded, started)
        started = time.perf_counter()
        loaded = ModelCopy.present(event_model, event_columns).load_dicts(event_rows())
        ctx.record("custody.CustodyEvent", loaded, started)
        started = time.perf_counter()
        loaded = ModelCopy.present(hash_model, hash_columns).load_dicts(hash_rows())
        ctx.record("custody.EvidenceHash", loaded, started)
    for model in (item_model, event_model, hash_model):
        reset_sequence(model)


def digest(item_id: int) -> str:
    """A stand-in for the store's SHA-256 of the item: 64 lower-case hex digits."""
    return f"{item_id:064x}"

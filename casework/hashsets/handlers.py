"""What the register does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.EvidenceSeized)
def start_submission_clock(event: events.EvidenceSeized) -> None:
    started = services.submission_clock_start(actor=event.actor, item=event.item)
    if started is not None:
        event.started_clocks.append(started)


@events.subscribe(events.CaseMerged)
def move_hash_sets(event: events.CaseMerged) -> None:
    services.hash_sets_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )

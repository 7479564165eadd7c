"""What custody does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.CaseMerged)
def move_evidence_items(event: events.CaseMerged) -> None:
    services.evidence_items_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )

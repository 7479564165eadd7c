"""What custody does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.CaseMerged)
def move_evidence_items(event: events.CaseMerged) -> None:
    services.evidence_items_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )


@events.subscribe(events.HashSetSubmitted)
def note_submission_from_register(event: events.HashSetSubmitted) -> None:
    # The register (casework.hashsets) is where submissions are recorded now; the item keeps
    # its first submission time, which the oversight figures and the exhibit's page read.
    services.item_submission_note(
        actor=event.actor, item=event.item, submitted_at=event.submitted_at
    )

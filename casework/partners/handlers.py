"""What partners does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.CaseMerged)
def move_partner_records(event: events.CaseMerged) -> None:
    services.partner_records_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )

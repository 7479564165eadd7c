"""What referrals does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.CaseMerged)
def move_referrals(event: events.CaseMerged) -> None:
    services.referrals_move_case(
        actor=event.actor, duplicate=event.duplicate, original=event.original
    )

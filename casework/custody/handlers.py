"""What custody does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("case.merged")
def move_evidence_items(*, duplicate, original, actor=None, **_) -> None:
    services.evidence_items_move_case(actor=actor, duplicate=duplicate, original=original)

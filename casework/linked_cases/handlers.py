"""What linked cases does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("case.merged")
def move_links(*, duplicate, original, actor=None, **_) -> None:
    services.case_links_move_case(actor=actor, duplicate=duplicate, original=original)

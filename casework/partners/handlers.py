"""What partners does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("case.merged")
def move_partner_records(*, duplicate, original, actor=None, **_) -> None:
    services.partner_records_move_case(actor=actor, duplicate=duplicate, original=original)

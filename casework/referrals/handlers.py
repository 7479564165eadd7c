"""What referrals does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("case.merged")
def move_referrals(*, duplicate, original, actor=None, **_) -> None:
    services.referrals_move_case(actor=actor, duplicate=duplicate, original=original)

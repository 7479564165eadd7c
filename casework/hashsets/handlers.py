"""What the register does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("evidence.seized")
def start_submission_clock(*, item, actor=None, **_) -> None:
    started = services.submission_clock_start(actor=actor, item=item)
    if started is not None and hasattr(item, "started_clocks"):
        item.started_clocks.append(started)


@events.subscribe("case.merged")
def move_hash_sets(*, duplicate, original, actor=None, **_) -> None:
    services.hash_sets_move_case(actor=actor, duplicate=duplicate, original=original)

"""What custody does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe("case.merged")
def move_evidence_items(*, duplicate, original, actor=None, **_) -> None:
    services.evidence_items_move_case(actor=actor, duplicate=duplicate, original=original)


@events.subscribe("hash_set.submitted")
def note_submission_from_register(*, item, submitted_at, actor=None, **_) -> None:
    # The register (casework.hashsets) is where submissions are recorded now; the item keeps
    # its first submission time, which the oversight figures and the exhibit's page read.
    services.item_submission_note(actor=actor, item=item, submitted_at=submitted_at)

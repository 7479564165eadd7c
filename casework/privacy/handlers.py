"""Crypto-shredding on disposal: the retention app publishes ``record.disposed`` inside its
disposal transaction; destroying the data key there makes the disposal and the shredding one
atomic act (a refusal here rolls the disposal back)."""

from __future__ import annotations

from casework.core import events

from .services import data_key_destroy


@events.subscribe("record.disposed")
def on_record_disposed(*, actor, disposal, case=None, referral=None, **_ignored) -> None:
    data_key_destroy(
        actor=actor,
        case=case,
        referral=referral,
        reason=f"Disposal {getattr(disposal, 'pk', disposal)}",
    )

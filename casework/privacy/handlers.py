"""Crypto-shredding on disposal: the retention app publishes ``RecordDisposed`` inside its
disposal transaction; destroying the data key there makes the disposal and the shredding one
atomic act (a refusal here rolls the disposal back)."""

from __future__ import annotations

from casework.core import events

from .services import data_key_destroy


@events.subscribe(events.RecordDisposed)
def on_record_disposed(event: events.RecordDisposed) -> None:
    data_key_destroy(
        actor=event.actor,
        case=event.case,
        referral=event.referral,
        reason=f"Disposal {getattr(event.disposal, 'pk', event.disposal)}",
    )

"""Fixtures for the referrals tests.

Referral services publish domain events that other apps (deadlines) subscribe to. These tests
are about referrals, so other apps' handlers are set aside while they run (each app tests its
own handlers); tests that assert an event subscribe their own recorder.
"""

from __future__ import annotations

import pytest

from casework.core import events

REFERRAL_EVENTS = (
    "referral.received",
    "referral.received_bulk",
    "referral.triaged",
    "referral.reprioritised",
)


@pytest.fixture(autouse=True)
def _only_own_event_handlers():
    saved = {name: list(events._subscribers.get(name, [])) for name in REFERRAL_EVENTS}
    for name in REFERRAL_EVENTS:
        events._subscribers[name] = []
    yield
    for name, handlers in saved.items():
        events._subscribers[name] = handlers


@pytest.fixture
def published():
    """``published(name)`` -> list that collects the payloads of that event during the test."""
    collected: dict[str, list] = {}

    def record(name: str) -> list:
        bucket = collected.setdefault(name, [])
        events.subscribe(name)(lambda **payload: bucket.append(payload))
        return bucket

    return record

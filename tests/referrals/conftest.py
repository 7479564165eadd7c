"""Fixtures for the referrals tests.

Referral services publish domain events that other apps (deadlines) subscribe to. These tests
are about referrals, so other apps' handlers are set aside while they run (each app tests its
own handlers); tests that assert an event subscribe their own recorder.
"""

from __future__ import annotations

import pytest

from casework.core import events

REFERRAL_EVENTS = (
    events.ReferralReceived,
    events.ReferralsReceivedBulk,
    events.ReferralTriaged,
    events.ReferralReprioritised,
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
    """``published(kind)`` -> list that collects the events of that kind during the test."""
    collected: dict[type, list] = {}

    def record(kind: type[events.Event]) -> list:
        bucket = collected.setdefault(kind, [])
        events.subscribe(kind)(bucket.append)
        return bucket

    return record

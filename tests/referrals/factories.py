"""Referrals made through the services, so clocks, audit and events hold as in production."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from casework.referrals import services
from casework.referrals.models import Referral

_numbers = itertools.count(1)


def referral_data(**overrides: Any) -> dict[str, Any]:
    n = next(_numbers)
    data: dict[str, Any] = {
        "source_kind": "industry",
        "source_agency": "Example Service Provider",
        "source_reference": f"TEST-{n:06d}",
        "received_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "priority": "P2",
        "summary": f"Synthetic referral {n:04d}.",
        "identifiers": [{"kind": "email", "value": f"User_{n}@Example.invalid"}],
    }
    data.update(overrides)
    return data


def make_referral(*, actor, **overrides: Any) -> Referral:
    return services.referral_receive(
        actor=actor, unit=actor.unit, data=referral_data(**overrides)
    ).referral

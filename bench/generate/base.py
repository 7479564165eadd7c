"""What every generator module shares: the run's context and how a domain says it is not built.

A domain module declares ``NAME``, ``REQUIRES`` (model labels, ``"cases.Case"``) and
``load(ctx)``. ``missing(REQUIRES)`` tells the driver whether the app's models exist yet; a domain
whose models are missing is reported as "not built" in the summary and in the results, never
skipped silently.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps

from bench.scales import Scale

# Everything the generator writes is dated relative to this fixed instant, so runs at the same
# scale produce the same data whatever the day (the seed fixes the rest).
EPOCH_END = datetime(2026, 11, 1, tzinfo=UTC)
HISTORY = timedelta(days=3 * 365)


def missing(labels: Iterable[str]) -> list[str]:
    absent = []
    for label in labels:
        try:
            apps.get_model(label)
        except LookupError:
            absent.append(label)
    return absent


@dataclass
class CaseRows:
    """The generated cases, kept column-wise (200,000 at national scale)."""

    ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)
    opened_at: list[datetime] = field(default_factory=list)
    closed: list[bool] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    # (case_id, user_id, assigned_at) for each assignee besides the lead.
    assignments: list[tuple[int, int, datetime]] = field(default_factory=list)


@dataclass
class Context:
    scale: Scale
    rng: random.Random
    now: datetime = EPOCH_END
    unit_ids: list[int] = field(default_factory=list)
    unit_prefixes: dict[int, str] = field(default_factory=dict)
    investigators: dict[int, list[int]] = field(default_factory=dict)
    supervisors: dict[int, list[int]] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)
    personas: dict[str, int] = field(default_factory=dict)
    cases: CaseRows = field(default_factory=CaseRows)
    # (referral_id, received_at, unit_id, case_id or None), in id order.
    referral_ids: range = range(0)
    referral_times: list[datetime] = field(default_factory=list)
    referral_units: list[int] = field(default_factory=list)
    referral_cases: list[int | None] = field(default_factory=list)
    # Indexes (into the referral lists) of referrals still waiting for triage.
    referral_waiting: list[int] = field(default_factory=list)
    deadlines_due: int = 0
    defer_indexes: bool = True
    # One entry per table: (label, rows, seconds), or (domain, 0, 0) with a "not built" note.
    loaded: list[dict] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.now - HISTORY * self.scale.years

    def record(self, label: str, rows: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.loaded.append(
            {
                "table": label,
                "rows": rows,
                "seconds": round(seconds, 3),
                "rows_per_second": round(rows / seconds) if seconds > 0 else None,
            }
        )

    def not_built(self, domain: str, absent: list[str]) -> None:
        self.loaded.append({"table": domain, "rows": 0, "status": "not-built", "missing": absent})

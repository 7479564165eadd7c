"""Deadlines: the clocks the sweep reminds and escalates (issue 4).

Shape, relative to the generator's fixed "now" (``EPOCH_END``): 95% are open. Of the open ones,
1% are due for their first reminder (due within the week, the 7-day reminder time passed, not yet
claimed) and the rest are due later than a week, so no reminder is owed yet and their
``ReminderSchedule`` row holds their 7-day reminder time, as ``deadline_start`` would have left
it. The other 5% are history: met, missed or waived (with a reason). Open clocks hang off open
cases (case reviews, preservation, legal process) and off referrals waiting for triage; owners
are the case's lead or an investigator of the referral's unit.

With more than one year of data (``--years``) the extra years are history: a unit's open clocks
are its current caseload, which does not grow with the years behind it, so the open and due
clocks stay one year's number and every further clock is closed. (Until the ninth session they
grew with the years, so the two-year sweep reminded twice as many clocks as the one-year one.)
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps

from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context

NAME = "deadlines"
REQUIRES = ("deadlines.Deadline", "deadlines.ReminderSchedule")

OFFSETS = (7 * 86400, 86400, 2 * 3600)
OFFSETS_TEXT = "{" + ",".join(str(s) for s in OFFSETS) + "}"
CASE_KINDS = (
    "case_review",
    "case_review",
    "preservation_us_2703f",
    "legal_process_response",
    "icse_submission",
    "safeguarding_review",
    "eu_production_order",
    "court_date",
)
# Shares of one year's clocks: open, and due for their first reminder (part of the open ones).
OPEN_SHARE = 0.95
DUE_SHARE = 0.01


def load(ctx: Context) -> None:
    rng, scale = ctx.rng, ctx.scale
    model = apps.get_model("deadlines.Deadline")
    schedule_model = apps.get_model("deadlines.ReminderSchedule")
    schedule: list[tuple] = []
    started = time.perf_counter()
    first = next_id(model)
    cases = ctx.cases
    open_cases = [i for i, closed in enumerate(cases.closed) if not closed]
    waiting = ctx.referral_waiting
    now = ctx.now
    random = rng.random
    open_share = OPEN_SHARE / scale.years
    due_share = DUE_SHARE / scale.years

    def rows() -> Iterator[dict]:
        for n in range(scale.deadlines):
            roll = random()
            # One in five clocks is a referral's triage clock, the rest hang off open cases.
            if waiting and (roll < 0.2 or not open_cases):
                index = waiting[int(random() * len(waiting))]
                unit_id = ctx.referral_units[index]
                team = ctx.investigators[unit_id]
                case_id, referral_id = None, ctx.referral_ids[index]
                owner, kind = team[int(random() * len(team))], "referral_triage"
                starts = ctx.referral_times[index]
            else:
                index = open_cases[int(random() * len(open_cases))]
                unit_id, case_id, referral_id = cases.unit_ids[index], cases.ids[index], None
                owner, kind = cases.lead_ids[index], CASE_KINDS[n % len(CASE_KINDS)]
                starts = cases.opened_at[index]
            row = {
                "id": first + n,
                "created_at": starts,
                "updated_at": starts,
                "reference": uuid.UUID(int=rng.getrandbits(128), version=4),
                "unit_id": unit_id,
                "case_id": case_id,
                "referral_id": referral_id,
                "kind": kind,
                "time_zone": "UTC",
                "starts_at": starts,
                "owner_id": owner,
                "created_by_id": owner,
                "reminder_offsets": OFFSETS_TEXT,
                "extension_count": 0,
                "state": "open",
                "reason": "",
            }
            state_roll = random()
            if state_roll < open_share:
                if state_roll < due_share:
                    due = now + timedelta(seconds=86400 + random() * 5 * 86400)
                    ctx.deadlines_due += 1
                else:
                    due = now + timedelta(seconds=8 * 86400 + random() * 180 * 86400)
                row["due_at"] = due
                schedule.append((first + n, due - timedelta(seconds=OFFSETS[0])))
            else:
                due = starts + timedelta(days=1 + int(random() * 90))
                due = min(due, now - timedelta(hours=1))
                due = max(due, starts)
                row["due_at"] = due
                closed = due - timedelta(hours=int(random() * 48))
                closed = max(closed, starts)
                state = ("met", "met", "missed", "waived")[int(random() * 4)]
                row["state"] = state
                if state == "missed":
                    row["missed_at"] = due
                else:
                    row["closed_at"] = closed
                    row["closed_by_id"] = owner
                if state == "waived":
                    row["reason"] = "Synthetic waiver: no longer needed"
            yield row

    columns = (
        "id",
        "created_at",
        "updated_at",
        "reference",
        "unit_id",
        "case_id",
        "referral_id",
        "kind",
        "time_zone",
        "starts_at",
        "due_at",
        "owner_id",
        "state",
        "reminder_offsets",
        "extension_count",
        "closed_at",
        "closed_by_id",
        "missed_at",
        "reason",
        "created_by_id",
    )
    with deferred_indexes(model, enabled=ctx.defer_indexes):
        loaded = ModelCopy.present(model, columns).load_dicts(rows())
    with deferred_indexes(schedule_model, enabled=ctx.defer_indexes):
        ModelCopy.present(schedule_model, ("deadline_id", "next_reminder_at")).load(schedule)
    reset_sequence(model)
    ctx.record("deadlines.Deadline", loaded, started)

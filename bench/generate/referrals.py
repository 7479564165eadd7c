"""Referrals: most accepted into the generated cases, the rest declined, referred out, or waiting.

Each case is opened from one to three referrals of its own unit received in the day before it
opened; declined and referred-out referrals spread over the history; the waiting queue (new, in
triage) is the last 30 days, about 10% of all referrals. Ids follow the time of receipt, and
``(source_agency, source_reference)`` is unique as the model requires.
"""

from __future__ import annotations

import time
from datetime import timedelta

from casework.accounts.models import Unit
from casework.cases.choices import Priority
from casework.referrals.choices import ReferralStatus, SourceKind
from casework.referrals.clocks import triage_clock
from casework.referrals.models import Referral, triage_seconds

from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context

NAME = "referrals"
REQUIRES = ("referrals.Referral",)

AGENCIES = [f"Synthetic Source Agency {n:02d}" for n in range(1, 13)]
PRIORITIES = [Priority.P1, Priority.P2, Priority.P2, Priority.P3, Priority.P3, Priority.P4]
WAITING = [ReferralStatus.NEW, ReferralStatus.NEW, ReferralStatus.IN_TRIAGE]
CLOSED_OUT = [ReferralStatus.DECLINED, ReferralStatus.DECLINED, ReferralStatus.REFERRED_OUT]


def load(ctx: Context) -> None:
    rng, scale = ctx.rng, ctx.scale
    started = time.perf_counter()
    cases = ctx.cases
    # (received_at, unit_id, case_id, status)
    pending: list[tuple] = []
    for case_id, unit_id, opened_at in zip(cases.ids, cases.unit_ids, cases.opened_at, strict=True):
        for _ in range(rng.choice((1, 1, 2, 3))):
            if len(pending) >= scale.referrals * 0.6:
                break
            received = opened_at - timedelta(minutes=rng.randint(10, 1440))
            pending.append((received, unit_id, case_id, ReferralStatus.ACCEPTED))
    waiting = int(scale.referrals * 0.1)
    span = (ctx.now - ctx.start).total_seconds()
    recent = timedelta(days=30).total_seconds()
    for n in range(scale.referrals - len(pending)):
        unit_id = rng.choice(ctx.unit_ids)
        if n < waiting:
            received = ctx.now - timedelta(seconds=rng.random() * recent)
            pending.append((received, unit_id, None, rng.choice(WAITING)))
        else:
            received = ctx.start + timedelta(seconds=rng.random() * span)
            pending.append((received, unit_id, None, rng.choice(CLOSED_OUT)))
    pending.sort(key=lambda row: row[0])

    first = next_id(Referral)
    kinds = SourceKind.values
    # The triage rules, as intake reads them: once per unit, not per row.
    clocks = {unit.pk: triage_clock(unit=unit) for unit in Unit.objects.filter(pk__in=ctx.unit_ids)}
    ctx.referral_ids = range(first, first + len(pending))
    ctx.referral_times = [row[0] for row in pending]
    ctx.referral_units = [row[1] for row in pending]
    ctx.referral_cases = [row[2] for row in pending]
    ctx.referral_waiting = [n for n, row in enumerate(pending) if row[3] in WAITING]
    first_case = ctx.cases.ids[0] if ctx.cases.ids else 0

    def rows():
        for n, (received, unit_id, case_id, status) in enumerate(pending):
            referral_id = first + n
            priority = rng.choice(PRIORITIES)
            due = clocks[unit_id](received, priority)
            triaged = status not in WAITING
            if case_id is not None:
                triaged_by = ctx.cases.lead_ids[case_id - first_case]
                triaged_at = ctx.cases.opened_at[case_id - first_case]
            else:
                triaged_by = rng.choice(ctx.investigators[unit_id]) if triaged else None
                triaged_at = received + timedelta(hours=rng.randint(1, 200)) if triaged else None
            yield {
                "id": referral_id,
                "created_at": received,
                "updated_at": triaged_at or received,
                "unit_id": unit_id,
                "source_kind": rng.choice(kinds),
                "source_agency": AGENCIES[referral_id % len(AGENCIES)],
                "source_reference": f"SYN-{referral_id:09d}",
                "received_at": received,
                "incident_at": received - timedelta(hours=rng.randint(1, 96)),
                "priority": priority,
                "source_priority": f"Grade {rng.randint(1, 5)}",
                "status": status,
                "summary": f"Synthetic referral {referral_id:07d}",
                "channel": "import",
                "triage_due_at": due,
                "triage_started_at": received + timedelta(minutes=30)
                if status != ReferralStatus.NEW
                else None,
                "triage_started_by_id": triaged_by,
                "triaged_at": triaged_at,
                "triage_seconds": triage_seconds(received, triaged_at),
                "triaged_by_id": triaged_by,
                "decline_reason": "Synthetic decline reason: outside remit"
                if status == ReferralStatus.DECLINED
                else "",
                "referred_out_to": "Synthetic Partner Agency 01"
                if status == ReferralStatus.REFERRED_OUT
                else "",
                "case_id": case_id,
            }

    columns = [
        "id",
        "created_at",
        "updated_at",
        "unit_id",
        "source_kind",
        "source_agency",
        "source_reference",
        "received_at",
        "incident_at",
        "priority",
        "source_priority",
        "status",
        "summary",
        "channel",
        "triage_due_at",
        "triage_started_at",
        "triage_started_by_id",
        "triaged_at",
        "triage_seconds",
        "triaged_by_id",
        "decline_reason",
        "referred_out_to",
        "case_id",
    ]
    with deferred_indexes(Referral, enabled=ctx.defer_indexes):
        loaded = ModelCopy.present(Referral, columns).load_dicts(rows())
    reset_sequence(Referral)
    ctx.record("referrals.Referral", loaded, started)

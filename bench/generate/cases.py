"""Cases with gap-free numbers, assignments, and the guardian grants that give access.

Invariants kept (the same ones ``casework.cases.services`` keeps):
- numbers ``<PREFIX>-<year>-<sequence:06d>`` run 1..n without gaps per unit and year, in order of
  opening, and ``CaseNumberSequence.last_value`` is n;
- the lead and every assignee hold ``view_case_content`` on the case in the direct-FK table
  ``CaseUserObjectPermission`` (and nobody else does);
- ``closed_at`` is set exactly when the status is closed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.models import Permission

from casework.cases.choices import CaseStatus, Priority
from casework.cases.models import Case, CaseAssignment, CaseNumberSequence, CaseUserObjectPermission
from casework.cases.selectors import VIEW_PERMISSION

from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context

NAME = "cases"
REQUIRES = ("cases.Case", "cases.CaseAssignment", "cases.CaseUserObjectPermission")

PRIORITIES = [Priority.P1, Priority.P2, Priority.P3, Priority.P3, Priority.P4]
OPEN_STATES = [CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.ACTIVE, CaseStatus.SUSPENDED]


def load(ctx: Context) -> None:
    rng, scale = ctx.rng, ctx.scale
    span = (ctx.now - ctx.start).total_seconds()
    started = time.perf_counter()
    opened = sorted(ctx.start + timedelta(seconds=rng.random() * span) for _ in range(scale.cases))
    sequences: dict[tuple[int, int], int] = defaultdict(int)
    first = next_id(Case)
    rows = ctx.cases
    case_rows = []
    for n, opened_at in enumerate(opened):
        case_id = first + n
        unit_id = rng.choice(ctx.unit_ids)
        lead = rng.choice(ctx.investigators[unit_id])
        key = (unit_id, opened_at.year)
        sequences[key] += 1
        number = f"{ctx.unit_prefixes[unit_id]}-{opened_at.year}-{sequences[key]:06d}"
        # Older cases are more likely closed: about half of all cases, most of those years old.
        age = (ctx.now - opened_at).total_seconds() / span
        closed = rng.random() < age * 0.9
        status = CaseStatus.CLOSED if closed else rng.choice(OPEN_STATES)
        closed_at = opened_at + timedelta(days=rng.randint(20, 300)) if closed else None
        if closed_at is not None and closed_at > ctx.now:
            closed_at = ctx.now
        case_rows.append(
            (
                case_id,
                opened_at,
                opened_at,
                unit_id,
                number,
                opened_at.year,
                sequences[key],
                f"Synthetic case {case_id:07d}",
                rng.choice(PRIORITIES),
                status,
                lead,
                opened_at,
                closed_at,
                lead,
            )
        )
        rows.ids.append(case_id)
        rows.unit_ids.append(unit_id)
        rows.lead_ids.append(lead)
        rows.opened_at.append(opened_at)
        rows.closed.append(closed)
        rows.numbers.append(number)
        team = [u for u in ctx.investigators[unit_id] if u != lead]
        for user in rng.sample(team, min(len(team), rng.choice((0, 1, 1, 2, 3)))):
            rows.assignments.append(
                (case_id, user, opened_at + timedelta(hours=rng.randint(1, 72)))
            )
    columns = (
        "id",
        "created_at",
        "updated_at",
        "unit_id",
        "number",
        "year",
        "sequence",
        "title",
        "priority",
        "status",
        "lead_id",
        "opened_at",
        "closed_at",
        "created_by_id",
    )
    with deferred_indexes(Case, enabled=ctx.defer_indexes):
        loaded = ModelCopy(Case, columns).load(case_rows)
    reset_sequence(Case)
    ctx.record("cases.Case", loaded, started)
    del case_rows

    started = time.perf_counter()
    existing = dict(
        CaseNumberSequence.objects.filter(unit_id__in=ctx.unit_ids).values_list("id", "last_value")
    )
    assert not existing, "cases are generated into units with no numbering yet"
    first = next_id(CaseNumberSequence)
    loaded = ModelCopy(CaseNumberSequence, ("id", "unit_id", "year", "last_value")).load(
        (first + n, unit_id, year, last)
        for n, ((unit_id, year), last) in enumerate(sorted(sequences.items()))
    )
    reset_sequence(CaseNumberSequence)
    ctx.record("cases.CaseNumberSequence", loaded, started)

    started = time.perf_counter()
    first = next_id(CaseAssignment)
    with deferred_indexes(CaseAssignment, enabled=ctx.defer_indexes):
        loaded = ModelCopy(
            CaseAssignment,
            ("id", "created_at", "updated_at", "case_id", "user_id", "assigned_by_id"),
        ).load(
            (first + n, at, at, case_id, user, rows.lead_ids[case_id - rows.ids[0]])
            for n, (case_id, user, at) in enumerate(rows.assignments)
        )
    reset_sequence(CaseAssignment)
    ctx.record("cases.CaseAssignment", loaded, started)

    started = time.perf_counter()
    permission = Permission.objects.get(
        codename=VIEW_PERMISSION, content_type__app_label="cases", content_type__model="case"
    )
    first = next_id(CaseUserObjectPermission)

    def grants():
        n = first
        for case_id, lead in zip(rows.ids, rows.lead_ids, strict=True):
            yield (n, permission.pk, lead, case_id)
            n += 1
        for case_id, user, _ in rows.assignments:
            yield (n, permission.pk, user, case_id)
            n += 1

    with deferred_indexes(CaseUserObjectPermission, enabled=ctx.defer_indexes):
        loaded = ModelCopy(
            CaseUserObjectPermission, ("id", "permission_id", "user_id", "content_object_id")
        ).load(grants())
    reset_sequence(CaseUserObjectPermission)
    ctx.record("cases.CaseUserObjectPermission", loaded, started)

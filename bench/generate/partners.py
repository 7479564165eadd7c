"""Partner agencies and the requests sent to them (issue 5).

Agencies are synthetic ("Synthetic Agency 07", countries from a short list); one outgoing request
for every other case (preservation, production, MLAT, takedown...), sent a few days after the
case opened, handled "law enforcement only". Older requests are answered (fulfilled, partial or
refused) after a response time that differs per agency, so the oversight figures (open requests
by partner, median response time) have something to show; recent ones are still open.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps

from ..loader import ModelCopy, deferred_indexes, next_id, reset_sequence
from .base import Context

NAME = "partners"
REQUIRES = ("partners.Agency", "partners.PartnerRequest")

COUNTRIES = ("GB", "US", "DE", "FR", "NL", "IE", "ES", "IT", "SE", "PL", "CA", "AU")
KINDS = ("police", "prosecutor", "provider", "provider", "hotline", "international")
REQUEST_KINDS = ("preservation", "preservation", "production", "mlat", "takedown", "database")
ANSWERS = ("fulfilled", "fulfilled", "partial", "refused")


def load(ctx: Context) -> None:
    rng, cases = ctx.rng, ctx.cases
    agency_model = apps.get_model("partners.Agency")
    request_model = apps.get_model("partners.PartnerRequest")
    if not cases.ids:
        return
    started = time.perf_counter()
    first_agency = next_id(agency_model)
    agencies = [first_agency + n for n in range(max(12, ctx.scale.units * 3))]
    loaded = ModelCopy.present(
        agency_model, ("id", "created_at", "updated_at", "name", "country", "kind")
    ).load_dicts(
        {
            "id": agency_id,
            "created_at": ctx.start,
            "updated_at": ctx.start,
            "name": f"Synthetic Agency {agency_id:03d}",
            "country": COUNTRIES[n % len(COUNTRIES)],
            "kind": KINDS[n % len(KINDS)],
        }
        for n, agency_id in enumerate(agencies)
    )
    reset_sequence(agency_model)
    ctx.record("partners.Agency", loaded, started)

    started = time.perf_counter()
    random = rng.random

    def rows() -> Iterator[dict]:
        for index in range(0, len(cases.ids), 2):
            agency = agencies[int(random() * len(agencies))]
            sent = cases.opened_at[index] + timedelta(hours=2 + int(random() * 120))
            if sent >= ctx.now:
                continue
            # Each agency answers at its own pace: 2 to 60 days, give or take.
            answer_after = timedelta(days=2 + (agency % 29) * 2 * random() + random() * 4)
            answered = sent + answer_after
            row = {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "created_at": sent,
                "updated_at": sent,
                "case_id": cases.ids[index],
                "direction": "out",
                "kind": REQUEST_KINDS[index % len(REQUEST_KINDS)],
                "agency_id": agency,
                "status": "sent",
                "handling_code": "le_only",
                "summary": f"Synthetic request on case {cases.ids[index]:07d}",
                "sent_at": sent,
                "created_by_id": cases.lead_ids[index],
            }
            if answered < ctx.now:
                row.update(
                    status=ANSWERS[int(random() * len(ANSWERS))],
                    answered_at=answered,
                    updated_at=answered,
                )
            elif random() < 0.5 and sent + timedelta(days=1) < ctx.now:
                row.update(status="acknowledged", acknowledged_at=sent + timedelta(days=1))
            yield row

    columns = (
        "id", "created_at", "updated_at", "case_id", "direction", "kind", "agency_id", "status",
        "handling_code", "summary", "sent_at", "acknowledged_at", "answered_at", "created_by_id",
    )  # fmt: skip
    with deferred_indexes(request_model, enabled=ctx.defer_indexes):
        loaded = ModelCopy.present(request_model, columns).load_dicts(rows())
    ctx.record("partners.PartnerRequest", loaded, started)

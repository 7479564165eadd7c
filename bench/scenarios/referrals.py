"""Referral figures (issue 3): the queue page, bulk import throughput, deconfliction latency."""

from __future__ import annotations

from django.core.management import get_commands

from casework.referrals.models import Referral

from .base import NotBuilt, Result, Run, page, scenario, url_or_not_built


@scenario("pages.referral_queue", issue="3")
def referral_queue(run: Run) -> list[Result]:
    url = url_or_not_built(("referrals:queue", {}), ("referrals:list", {}))
    results = []
    for role in ("investigator", "supervisor"):
        user = run.personas[role]
        results.append(
            page(
                run,
                name="pages.referral_queue",
                label="Referral queue",
                role=role,
                url=url,
                target_ms=500,
                target_source="harness budget",
                baseline=lambda user=user: list(
                    Referral.objects.filter(
                        unit_id=user.unit_id, status__in=["new", "in_triage"]
                    ).order_by("received_at", "id")[:50]
                ),
                baseline_label="plain ORM page of the unit's waiting referrals",
            )
        )
    return results


@scenario("referrals.import", issue="3")
def import_throughput(run: Run) -> list[Result]:
    if "import_referrals" not in get_commands():
        raise NotBuilt("no import_referrals command yet")
    raise NotBuilt("import_referrals exists; its benchmark file writer is not written yet")


@scenario("cases.deconfliction", issue="3")
def deconfliction(run: Run) -> list[Result]:
    raise NotBuilt("no identifier model or deconfliction lookup yet")

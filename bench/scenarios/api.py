"""API calls (issues 3, 4, 7): the first page of the main lists and a case, as JSON.

Same client, session and two-factor state as the page scenarios (the API accepts the session);
each figure is p95 with the query count of one call, next to the plain ORM query it wraps.
"""

from __future__ import annotations

from casework.cases.choices import CaseStatus
from casework.cases.models import Case
from casework.cases.selectors import cases_visible_to

from .base import Result, Run, page, scenario, url_or_not_built

API_BUDGET_MS = 300


@scenario("api.cases", issue="3")
def cases(run: Run) -> list[Result]:
    url = url_or_not_built(("cases-api:cases", {})) + "?status=open"
    results = []
    for role in ("investigator", "supervisor"):
        user = run.personas[role]
        results.append(
            page(
                run,
                name="api.cases",
                label="GET /api/v1/cases/?status=open",
                role=role,
                url=url,
                target_ms=API_BUDGET_MS,
                target_source="harness budget",
                baseline=lambda user=user: list(
                    Case.objects.filter(unit_id=user.unit_id, status=CaseStatus.OPEN)
                    .select_related("lead", "unit")
                    .order_by("-created_at", "-id")[:50]
                ),
                baseline_label="plain ORM page, no permissions",
            )
        )
    return results


@scenario("api.case", issue="3")
def case(run: Run) -> list[Result]:
    user = run.personas["investigator"]
    found = cases_visible_to(user).order_by("-opened_at", "-id").first()
    url = url_or_not_built(("cases-api:case", {"number": found.number if found else "none"}))
    return [
        page(
            run,
            name="api.case",
            label="GET /api/v1/cases/<number>/",
            role=role,
            url=url,
            target_ms=API_BUDGET_MS,
            target_source="harness budget",
        )
        for role in ("investigator", "supervisor")
    ]


@scenario("api.referrals", issue="3, 26")
def referrals(run: Run) -> list[Result]:
    url = url_or_not_built(("referrals-api:referrals", {}))
    return [
        page(
            run,
            name="api.referrals",
            label="GET /api/v1/referrals/",
            role=role,
            url=url,
            target_ms=100,
            target_source="issue 26",
        )
        for role in ("investigator", "supervisor")
    ]


@scenario("api.deadlines", issue="4")
def deadlines(run: Run) -> list[Result]:
    url = url_or_not_built(("deadlines-api:deadlines", {}))
    return [
        page(
            run,
            name="api.deadlines",
            label="GET /api/v1/deadlines/",
            role=role,
            url=url,
            target_ms=API_BUDGET_MS,
            target_source="harness budget",
        )
        for role in ("investigator", "supervisor")
    ]


@scenario("api.audit_events", issue="7")
def audit_events(run: Run) -> list[Result]:
    url = url_or_not_built(("audit-api:events", {}))
    return [
        page(
            run,
            name="api.audit_events",
            label="GET /api/v1/audit/events/",
            role="auditor",
            url=url,
            target_ms=API_BUDGET_MS,
            target_source="harness budget",
        )
    ]

"""Case pages and the cost of need-to-know (issue 3)."""

from __future__ import annotations

from casework.cases.choices import CaseStatus
from casework.cases.models import Case
from casework.cases.selectors import cases_visible_to

from .base import (
    Result,
    Run,
    Target,
    page,
    percentile,
    query_count,
    scenario,
    timed,
    url_or_not_built,
)

PAGE_SIZE = 50
ORDER = ("-opened_at", "-id")
# Issue 3 names no millisecond figure for pages ("stay fast at a million rows"): this budget is
# the harness's, so a regression still shows.
PAGE_BUDGET_MS = 500
QUERY_BUDGET_MS = 50


@scenario("cases.visibility", issue="3")
def visibility(run: Run) -> list[Result]:
    """First page and total of open cases through ``cases_visible_to`` vs the unit's plain query."""
    results = []
    for role in ("investigator", "supervisor"):
        user = run.personas[role]

        def visible_page(user=user):
            return list(
                cases_visible_to(user).filter(status=CaseStatus.OPEN).order_by(*ORDER)[:PAGE_SIZE]
            )

        def plain_page(user=user):
            return list(
                Case.objects.filter(unit_id=user.unit_id, status=CaseStatus.OPEN).order_by(*ORDER)[
                    :PAGE_SIZE
                ]
            )

        def visible_count(user=user):
            return cases_visible_to(user).count()

        def plain_count(user=user):
            return Case.objects.filter(unit_id=user.unit_id).count()

        for what, measured, baseline in (
            ("first page of open cases", visible_page, plain_page),
            ("count of cases", visible_count, plain_count),
        ):
            times = timed(measured, run.samples)
            results.append(
                Result(
                    f"cases.visibility.{'page' if 'page' in what else 'count'}",
                    f"Case query: {what} (need-to-know)",
                    unit="ms p95",
                    value=percentile(times, 0.95),
                    target=Target(QUERY_BUDGET_MS, "harness budget"),
                    baseline=percentile(timed(baseline, run.samples), 0.95),
                    baseline_label="same query on the unit, no permissions",
                    persona=role,
                    details={
                        "p50_ms": round(percentile(times, 0.5), 3),
                        "queries": query_count(measured),
                        "rows": len(visible_page()) if "page" in what else visible_count(),
                    },
                )
            )
    return results


@scenario("pages.case_list", issue="3")
def case_list(run: Run) -> list[Result]:
    url = url_or_not_built(("cases:list", {}), ("cases:case-list", {})) + "?status=open"
    results = []
    for role in ("investigator", "supervisor"):
        user = run.personas[role]
        results.append(
            page(
                run,
                name="pages.case_list",
                label="Case list, filtered to open",
                role=role,
                url=url,
                target_ms=PAGE_BUDGET_MS,
                target_source="harness budget",
                baseline=lambda user=user: list(
                    Case.objects.filter(unit_id=user.unit_id, status=CaseStatus.OPEN)
                    .select_related("lead")
                    .order_by(*ORDER)[:PAGE_SIZE]
                ),
                baseline_label="plain ORM page, no permissions",
            )
        )
    return results


@scenario("pages.case_detail", issue="3")
def case_detail(run: Run) -> list[Result]:
    user = run.personas["investigator"]
    case = cases_visible_to(user).order_by(*ORDER).first()
    if case is None:
        return [Result("pages.case_detail", "Case detail", status="error", note="no visible case")]
    url = url_or_not_built(
        ("cases:detail", {"number": case.number}), ("cases:case-detail", {"number": case.number})
    )
    return [
        page(
            run,
            name="pages.case_detail",
            label=f"Case detail ({case.number})",
            role=role,
            url=url,
            target_ms=PAGE_BUDGET_MS,
            target_source="harness budget",
            baseline=lambda: Case.objects.select_related("unit", "lead").get(pk=case.pk),
            baseline_label="plain ORM get, no permissions",
        )
        for role in ("investigator", "supervisor")
    ]

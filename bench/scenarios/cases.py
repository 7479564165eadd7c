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
# Issue 26: the supervisor's count of the cases they may see (their unit's, and grants).
COUNT_TARGET_MS = 10


@scenario("cases.visibility", issue="3, 26")
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
                    target=(
                        Target(COUNT_TARGET_MS, "issue 26")
                        if what.startswith("count") and role == "supervisor"
                        else Target(QUERY_BUDGET_MS, "harness budget")
                    ),
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


# --- The case page and its chronology (issue 17) ------------------------------------------------

WORKSPACE_TARGET_MS = 100  # issue 17, at national scale
CHRONOLOGY_EVENTS = 5_000  # issue 17: the chronology's first page for a case with this many


@scenario("pages.case_workspace", issue="17")
def case_workspace(run: Run) -> list[Result]:
    """The case page with all its header facts (next deadline, overdue, referrals, deconfliction
    hits, team) and its sections, for the case with the most deadlines that both the
    investigator and the supervisor may see."""
    from django.db.models import Count

    from casework.deadlines.models import Deadline

    investigator, supervisor = run.personas["investigator"], run.personas["supervisor"]
    both = cases_visible_to(investigator).filter(pk__in=cases_visible_to(supervisor).values("pk"))
    busiest = (
        Deadline.objects.filter(case__in=both)
        .values("case_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "case_id")
        .first()
    )
    case = Case.objects.get(pk=busiest["case_id"]) if busiest else both.order_by(*ORDER).first()
    if case is None:
        return [Result("pages.case_workspace", "Case page", status="error", note="no shared case")]
    url = url_or_not_built(("cases:detail", {"number": case.number}))
    return [
        page(
            run,
            name="pages.case_workspace",
            label=f"Case page with its header facts ({case.number})",
            role=role,
            url=url,
            target_ms=WORKSPACE_TARGET_MS,
            target_source="issue 17",
            baseline=lambda: Case.objects.select_related("unit", "lead").get(pk=case.pk),
            baseline_label="plain ORM get of the case",
        )
        for role in ("investigator", "supervisor")
    ]


@scenario("pages.chronology", issue="17")
def chronology(run: Run) -> list[Result]:
    """The chronology's first page for a case with 5,000 events: the visible case with the most
    events, padded inside a transaction that is rolled back when it has fewer."""
    from django.db import transaction
    from django.db.models import Count

    from casework.audit.models import AuditEvent

    user = run.personas["investigator"]
    top = (
        AuditEvent.objects.filter(case_id__in=cases_visible_to(user).values("pk"))
        .values("case_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "case_id")
        .first()
    )
    if top is None:
        return [Result("pages.chronology", "Chronology", status="error", note="no case events")]
    case = Case.objects.get(pk=top["case_id"])
    url = url_or_not_built(("cases:chronology", {"number": case.number}))

    def baseline():
        return list(AuditEvent.objects.filter(case_id=case.pk).order_by("-occurred_at", "-id")[:50])

    with transaction.atomic():
        padded = _pad_case_events(run, case, CHRONOLOGY_EVENTS - top["n"])
        results = [
            page(
                run,
                name="pages.chronology",
                label=f"Chronology, first page ({case.number}, {top['n'] + padded:,} events)",
                role=role,
                url=url,
                target_ms=WORKSPACE_TARGET_MS,
                target_source="issue 17",
                baseline=baseline,
                baseline_label="plain ORM page of the case's audit events",
            )
            for role in ("investigator",)
        ]
        transaction.set_rollback(True)  # the padding is for this measurement only
    for result in results:
        result.details.update({"case_events": top["n"] + padded, "of_them_padding": padded})
    return results


def _pad_case_events(run: Run, case: Case, count: int) -> int:
    """Add ``count`` copies of the case's latest event, each a second older than the last, so
    the chronology reads an index of the size the target names. Triggers (the ledger's
    canonical bytes, append-only guards) are off for the padding only; the caller rolls back."""
    if count <= 0:
        return 0
    from django.db import connection

    from casework.audit.models import AuditEvent
    from casework.cases.chronology import NOISE

    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        columns = [
            column.name
            for column in connection.introspection.get_table_description(cursor, table)
            if column.name != "id"
        ]
        generated = {"occurred_at": "t.occurred_at - g * interval '1 second'"}
        select = ", ".join(generated.get(column, f"t.{column}") for column in columns)
        run.say(f"    padding {case.number}'s audit events with {count:,} rows (rolled back)")
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select}"
            f" FROM generate_series(1, %s) AS g CROSS JOIN (SELECT * FROM {table}"
            f" WHERE case_id = %s AND source = 'service' AND NOT (action = ANY(%s))"
            f" ORDER BY occurred_at DESC, id DESC LIMIT 1) AS t",
            [count, case.pk, sorted(NOISE)],
        )
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    return count

"""Opening a case from a case template (issue 21): the template's tasks, clocks and checklist
are written in the opening's transaction, so their cost is the opening's."""

from __future__ import annotations

from django.db import transaction

from .base import Result, Run, Target, import_or_not_built, percentile, scenario, timed

TASKS, CLOCKS, CHECKLIST = 20, 10, 15


class _Rollback(Exception):
    pass


def _undone(function):
    """Run ``function`` in a savepoint rolled back after it: every sample opens a case on the
    same data, and the benchmark database keeps no case, clock or audit event from it."""

    def once():
        try:
            with transaction.atomic():
                function()
                raise _Rollback
        except _Rollback:
            pass

    return once


@scenario("cases.open_templated", issue="21")
def open_templated(run: Run) -> list[Result]:
    """p95 of ``case_open`` with a template of 20 tasks, 10 clocks and 15 checklist items, and
    of the same opening without a template (the baseline), in one run. The template is made
    inside a transaction rolled back at the end, so nothing is left behind."""
    services = import_or_not_built("casework.case_templates.services", "case_template_save")
    from casework.case_templates import services as template_services
    from casework.case_templates.forms import eligible_rules
    from casework.cases.services import case_open

    investigator = run.personas["investigator"]
    admin = run.personas.get("administrator")
    rules = eligible_rules()[:CLOCKS]
    if admin is None or len(rules) < CLOCKS:
        return [
            Result(
                "cases.open_templated",
                "Open a templated case",
                status="error",
                note="needs an administrator and ten deadline rules with durations",
            )
        ]
    samples = max(run.samples, 50)
    figures: dict = {}
    try:
        with transaction.atomic():
            template = services(
                actor=admin,
                name="Benchmark template (rolled back)",
                tasks=[template_services.TaskSpec(f"Synthetic task {n}", n) for n in range(TASKS)],
                clocks=rules,
                checklist=[
                    template_services.ChecklistSpec(
                        f"Synthetic statement {n}", "request:preservation" if n % 3 == 0 else "", n
                    )
                    for n in range(CHECKLIST)
                ],
            )

            def opened(template_id=None):
                return case_open(
                    actor=investigator,
                    unit=investigator.unit,
                    title="Benchmark case (rolled back)",
                    lead=investigator,
                    template_id=template_id,
                )

            figures["templated"] = timed(_undone(lambda: opened(template.pk)), samples)
            figures["plain"] = timed(_undone(opened), samples)
            raise _Rollback
    except _Rollback:
        pass
    templated, plain = figures["templated"], figures["plain"]
    return [
        Result(
            "cases.open_templated",
            f"Open a case from a template ({TASKS} tasks, {CLOCKS} clocks, "
            f"{CHECKLIST} checklist items)",
            unit="ms p95",
            value=percentile(templated, 0.95),
            target=Target(100, "issue 21"),
            baseline=percentile(plain, 0.95),
            baseline_label="the same case_open without a template",
            persona="investigator",
            details={
                "p50_ms": round(percentile(templated, 0.50), 2),
                "p95_ms": round(percentile(templated, 0.95), 2),
                "baseline_p50_ms": round(percentile(plain, 0.50), 2),
                "baseline_p95_ms": round(percentile(plain, 0.95), 2),
                "samples": samples,
            },
        )
    ]

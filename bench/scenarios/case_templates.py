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


MERGE_EACH = 250  # identifiers, subjects, notes and tasks: 1,000 records per case


def _fill(case, lead, *, shared: int) -> None:
    from django.utils import timezone

    from casework.cases.models import CaseIdentifier, CaseNote, CaseSubject, CaseTask
    from casework.privacy.crypto import protect_identifier
    from casework.privacy.services import data_key_cipher
    from casework.privacy.texts import protect_texts

    now = timezone.now()
    cipher = data_key_cipher("case", case.pk)
    protected = [
        protect_identifier(
            columns=CaseIdentifier.privacy_columns(),
            owner=f"case:{case.pk}",
            aead=cipher,
            kind="email",
            raw=f"user_{n}@example.invalid",
            normal=f"user_{n}@example.invalid",
        )
        for n in range(shared, shared + MERGE_EACH)
    ]
    CaseIdentifier.objects.bulk_create(
        CaseIdentifier(
            case=case,
            kind="email",
            raw_value_ct=p.raw_ct,
            normal_value_ct=p.normal_ct,
            fingerprint=p.fingerprint,
            added_by=lead,
        )
        for p in protected
    )
    CaseSubject.objects.bulk_create(
        CaseSubject(case=case, sequence=n + 1, role="suspect", created_by=lead)
        for n in range(MERGE_EACH)
    )
    CaseNote.objects.bulk_create(
        CaseNote(
            case=case,
            author=lead,
            created_at=now,
            **protect_texts(CaseNote, case.pk, aead=cipher, body=f"Synthetic note {n}"),
        )
        for n in range(MERGE_EACH)
    )
    CaseTask.objects.bulk_create(
        CaseTask(case=case, title=f"Synthetic task {n}", created_by=lead) for n in range(MERGE_EACH)
    )


@scenario("cases.merge", issue="21")
def merge(run: Run) -> list[Result]:
    """A duplicate merged into its original, each holding 1,000 records (250 identifiers —
    50 of them the same values —, subjects, notes and tasks), by the unit's supervisor; made
    and merged inside a transaction rolled back at the end. Baseline: opening the two cases."""
    case_merge = import_or_not_built("casework.cases.services", "case_merge")
    from casework.cases.services import case_open

    lead, supervisor = run.personas["investigator"], run.personas["supervisor"]
    if lead.unit_id != supervisor.unit_id:
        return [Result("cases.merge", "Merge", status="error", note="personas of two units")]
    samples = max(3, min(run.samples, 10))
    figures: dict = {}
    try:
        with transaction.atomic():

            def pair():
                cases = [
                    case_open(
                        actor=lead, unit=lead.unit, title="Benchmark (rolled back)", lead=lead
                    )
                    for _ in range(2)
                ]
                return cases

            def filled():
                original, duplicate = pair()
                _fill(original, lead, shared=0)
                _fill(duplicate, lead, shared=MERGE_EACH - 50)
                return duplicate, original

            prepared = []

            def once():
                duplicate, original = prepared.pop()
                case_merge(actor=supervisor, duplicate=duplicate, original=original, reason="x")

            times = []
            for _ in range(samples):
                with transaction.atomic():
                    prepared.append(filled())
                    times.extend(timed(once, 1, warmup=0))
                    transaction.set_rollback(True)
            figures["merge"] = times
            figures["open"] = timed(_undone(pair), samples)
            raise _Rollback
    except _Rollback:
        pass
    return [
        Result(
            "cases.merge",
            f"Merge two cases of {4 * MERGE_EACH:,} records each",
            unit="ms p95",
            value=percentile(figures["merge"], 0.95),
            target=Target(2000, "issue 21"),
            baseline=percentile(figures["open"], 0.95),
            baseline_label="opening the two cases",
            persona="supervisor",
            details={
                "p50_ms": round(percentile(figures["merge"], 0.50), 2),
                "samples": samples,
            },
        )
    ]

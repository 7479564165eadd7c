"""Referral figures (issue 3): the queue page, bulk import throughput, deconfliction latency."""

from __future__ import annotations

import io
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.utils import timezone

from bench.generate.base import EPOCH_END
from bench.generate.identifiers import KINDS, value_for
from casework.privacy.crypto import fingerprint
from casework.referrals.models import Referral

from .base import (
    NotBuilt,
    Result,
    Run,
    Target,
    audit_disabled,
    import_or_not_built,
    page,
    percentile,
    scenario,
    timed,
    url_or_not_built,
)

IMPORT_TARGET_ROWS = 100_000


@scenario("pages.referral_queue", issue="3, 26")
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
                target_ms=50,
                target_source="issue 26",
                baseline=lambda user=user: list(
                    Referral.objects.filter(
                        unit_id=user.unit_id, status__in=["new", "in_triage"]
                    ).order_by("triage_due_at", "id")[:50]
                ),
                baseline_label="plain ORM page of the unit's waiting referrals",
            )
        )
    return results


class _Undo(Exception):
    pass


def _import_file(run: Run, directory: str, prefix: str) -> Path:
    count = run.scale.import_referrals
    synthetic_row = import_or_not_built("casework.referrals.synthetic", "synthetic_row")
    path = Path(directory) / f"{prefix}.jsonl"
    # Received from the data's "now" on, so their triage clocks do not fall due before it (the
    # sweep scenario sweeps at that instant), and spaced so that the last one is still in the
    # past: a received time in the future is refused.
    spacing = min(timedelta(minutes=1), (timezone.now() - EPOCH_END) / (count + 1))
    with path.open("w", encoding="utf-8") as handle:
        for n in range(1, count + 1):
            row = synthetic_row(n, base=EPOCH_END, prefix=prefix, spacing=spacing)
            handle.write(json.dumps(row) + "\n")
    return path


def _timed_import(run: Run, path: Path) -> tuple[float, str]:
    user = run.personas["investigator"]
    output = io.StringIO()
    started = time.perf_counter()
    call_command(
        "import_referrals",
        str(path),
        unit=user.unit.code,
        actor=user.username,
        no_progress=True,
        stdout=output,
        stderr=output,
    )
    # Inside the caller's transaction the command's own is a savepoint: its deferred
    # foreign-key checks, which its commit would run, run here, on the clock.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return time.perf_counter() - started, output.getvalue()


@scenario("referrals.import", issue="3")
def import_throughput(run: Run) -> list[Result]:
    """``manage.py import_referrals`` on a synthetic JSON Lines file (three identifiers a row),
    into the benchmark's first unit, with deconfliction and audit as in production; then, as
    the baseline, the same number of other rows imported without the ledger (no change
    capture, no audit event): the difference is what recording every row in the ledger costs.

    Both imports run inside a transaction rolled back afterwards, their deferred foreign-key
    checks inside the timing. A kept import grew the benchmark's first unit by 100,000
    referrals a run: fourteen runs left it thirty times a national unit's size, and every later
    figure of its personas measured that (docs/performance.md, "Twelfth session")."""
    if "import_referrals" not in get_commands():
        raise NotBuilt("no import_referrals command yet")
    count = run.scale.import_referrals
    prefix = f"BENCH{timezone.now():%Y%m%d%H%M%S}"
    with tempfile.TemporaryDirectory() as directory:
        path = _import_file(run, directory, prefix)
        baseline_path = _import_file(run, directory, f"{prefix}B")
        try:
            with transaction.atomic():
                seconds, output = _timed_import(run, path)
                imported = Referral.objects.filter(
                    source_reference__startswith=f"{prefix}-"
                ).count()
                raise _Undo
        except _Undo:
            pass
        try:
            with transaction.atomic(), audit_disabled():
                # The triggers can be switched back on (DDL) only when no trigger event is
                # pending: ``_timed_import`` runs the deferred checks before it stops the clock.
                baseline, _ = _timed_import(run, baseline_path)
                raise _Undo
        except _Undo:
            pass
    if imported != count:
        return [
            Result(
                "referrals.import",
                "import_referrals",
                status="error",
                note=f"imported {imported} of {count}: {output[-300:]}",
            )
        ]
    per = IMPORT_TARGET_ROWS / count
    return [
        Result(
            "referrals.import",
            f"import_referrals, {count:,} rows x 3 identifiers, time per 100,000",
            unit="s",
            value=seconds * per,
            target=Target(30, "issue 26"),
            baseline=baseline * per,
            baseline_label="the same import without the ledger (rolled back)",
            details={
                "rows": count,
                "seconds": round(seconds, 2),
                "rows_per_second": round(count / seconds),
                "without_ledger_seconds": round(baseline, 2),
            },
            note="" if count >= IMPORT_TARGET_ROWS else f"projected from {count:,} rows",
        )
    ]


@scenario("cases.deconfliction", issue="3")
def deconfliction(run: Run) -> list[Result]:
    """The lookup across every case (index on kind, value), for values that match several
    cases and values that match none; and the whole service call (audit, notifications)."""
    deconflict = import_or_not_built("casework.cases.deconfliction", "identifier_deconflict")
    from casework.cases.models import CaseIdentifier

    total = CaseIdentifier.objects.count()
    if not total:
        raise NotBuilt("no case identifiers in the benchmark data")
    rng = random.Random(3)
    hot_pool = max(10, run.scale.identifiers // 100)
    samples = []
    for n in range(run.samples * 2):
        kind = KINDS[n % len(KINDS)]
        index = rng.randrange(hot_pool) if n % 2 else 10**9 + n
        samples.append((kind, value_for(kind, index)[0]))
    cycle = iter(samples * 10)

    def lookup():
        kind, value = next(cycle)
        # The keyed fingerprint is computed per lookup, as the service does.
        return list(
            CaseIdentifier.objects.filter(
                kind=kind, fingerprint=fingerprint(kind, value)
            ).select_related("case__unit", "case__lead")
        )

    user = run.personas["investigator"]

    def service():
        kind, value = next(cycle)
        return deconflict(actor=user, kind=kind, normal_value=value, context_label="benchmark")

    padded = 0
    with transaction.atomic():
        if run.scale.deconfliction_identifiers > total:
            padded = _pad_case_identifiers(run, run.scale.deconfliction_identifiers - total)
        lookups = timed(lookup, len(samples))
        calls = timed(service, run.samples)
        matched = sum(1 for kind, value in samples if lookup())
        transaction.set_rollback(True)  # the padding is for this measurement only
    return [
        Result(
            "cases.deconfliction.lookup",
            "Deconfliction lookup across every case",
            unit="ms p95",
            value=percentile(lookups, 0.95),
            target=Target(10, "issue 3, at 10M identifiers"),
            persona="investigator",
            details={
                "p50_ms": round(percentile(lookups, 0.5), 3),
                "case_identifiers": total + padded,
                "of_them_padding": padded,
                "samples": len(lookups),
                "samples_matching": matched,
            },
        ),
        Result(
            "cases.deconfliction.call",
            "identifier_deconflict (lookup, audit, notify)",
            unit="ms p95",
            value=percentile(calls, 0.95),
            target=Target(50, "harness budget"),
            baseline=percentile(lookups, 0.95),
            baseline_label="the lookup alone",
            persona="investigator",
            details={"p50_ms": round(percentile(calls, 0.5), 3), "samples": len(calls)},
        ),
    ]


def _pad_case_identifiers(run: Run, count: int) -> int:
    """Add ``count`` case identifiers that match nothing, so the lookup runs against an index
    of the size the target names. Triggers (audit capture) are off for the padding only, and
    the caller rolls it back."""
    from casework.cases.models import CaseIdentifier

    meta = CaseIdentifier._meta
    columns = [f.column for f in meta.concrete_fields if not f.primary_key]
    generated = {
        # Unique 32-byte stand-ins: padding is never read, only its index is walked.
        "raw_value_ct": "decode(md5('raw-' || g), 'hex')",
        "normal_value_ct": "decode(md5('normal-' || g), 'hex')",
        "fingerprint": "sha256(('pad-' || g)::bytea)",
        "name_fingerprint": "NULL::bytea",
        "kind": "'email'",
    }
    select = ", ".join(generated.get(column, f"t.{column}") for column in columns)
    run.say(f"    padding case identifiers with {count:,} rows (rolled back afterwards)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            f"INSERT INTO {meta.db_table} ({', '.join(columns)}) SELECT {select}"
            f" FROM generate_series(1, %s) AS g"
            f" CROSS JOIN (SELECT * FROM {meta.db_table} ORDER BY id LIMIT 1) AS t",
            [count],
        )
        cursor.execute(f"ANALYZE {meta.db_table}")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    run.say(f"    padded in {time.perf_counter() - started:.0f} s")
    return count

"""The hash-set sharing register's page (issue 22). The benchmark data holds no hash sets, so
the scenario registers them itself — one per evidence item of the supervisor's unit, up to
``SETS``, a third of them shared and half of those acknowledged — inside a transaction rolled
back at the end: the database keeps nothing from it."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from .base import (
    DAILY_PAGE_MS,
    DAILY_PAGE_SOURCE,
    Result,
    Run,
    import_or_not_built,
    page,
    scenario,
    url_or_not_built,
)

SETS = 2000


class _Rollback(Exception):
    pass


@scenario("pages.hash_set_register", issue="22")
def hash_set_register(run: Run) -> list[Result]:
    register = import_or_not_built("casework.hashsets.selectors", "hash_set_register")
    url = url_or_not_built(("hashsets:register", {}))
    from casework.cases.selectors import case_visibility_q
    from casework.custody.models import EvidenceItem
    from casework.hashsets.models import HashSet, HashSetSharing

    investigator = run.personas["investigator"]
    supervisor = run.personas["supervisor"]
    items = list(
        EvidenceItem.objects.filter(case_visibility_q(supervisor, prefix="case__"))
        .order_by("-seized_at")
        .values("pk", "case_id", "seized_at")[:SETS]
    )
    if not items:
        return [
            Result(
                "pages.hash_set_register",
                "Hash-set register",
                status="error",
                note="the supervisor sees no evidence items in the benchmark data",
            )
        ]
    results: list[Result] = []
    try:
        with transaction.atomic():
            sets = HashSet.objects.bulk_create(
                HashSet(
                    case_id=row["case_id"],
                    item_id=row["pk"],
                    set_identifier=f"HS-BENCH-{n:06d}",
                    store_reference=f"DEMS-SET-BENCH-{n:06d}",
                    algorithms=["md5", "sha1"],
                    counts={"0": 100 + n % 50, "1": n % 7},
                    total=100 + n % 50 + n % 7,
                    made_at=row["seized_at"] + timedelta(hours=2),
                    created_by=investigator,
                )
                for n, row in enumerate(items)
            )
            HashSetSharing.objects.bulk_create(
                HashSetSharing(
                    hash_set=hash_set,
                    destination="icse" if n % 2 else "national",
                    shared_at=hash_set.made_at + timedelta(days=3),
                    shared_by=investigator,
                    acknowledged_at=hash_set.made_at + timedelta(days=5) if n % 2 else None,
                    acknowledgement="Received" if n % 2 else "",
                )
                for n, hash_set in enumerate(sets[::3])
            )
            for role in ("investigator", "supervisor"):
                user = run.personas[role]
                results.append(
                    page(
                        run,
                        name="pages.hash_set_register",
                        label=f"Hash-set register, first page ({len(sets)} sets in the unit)",
                        role=role,
                        url=url,
                        target_ms=DAILY_PAGE_MS,
                        target_source=DAILY_PAGE_SOURCE,
                        baseline=lambda user=user: register(user=user),
                        baseline_label="the selector alone (the page's rows, no page)",
                    )
                )
                results[-1].details["sets"] = len(sets)
            raise _Rollback
    except _Rollback:
        pass
    return results

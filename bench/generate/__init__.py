"""The data generator: one module per domain, run in dependency order.

Each module declares ``NAME``, ``REQUIRES`` (the models it fills) and ``load(ctx)``. A domain
whose models do not exist yet is recorded as "not built"; one whose models exist but whose
generator has not been written yet says so too (``PENDING``), so the results never pretend a
table is full when it is empty.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator

from django.db import DatabaseError, connection, transaction

from bench.scales import Scale

from . import accounts, audit, cases, custody, deadlines, identifiers, partners, referrals
from .base import Context, missing

DOMAINS = [accounts, cases, referrals, identifiers, deadlines, partners, custody, audit]

__all__ = ["DOMAINS", "Context", "generate"]


def generate(
    scale: Scale,
    *,
    seed: int = 8,
    defer_indexes: bool = True,
    say: Callable[[str], None] = print,
) -> Context:
    """Fill the current database at ``scale``; returns the context (ids, personas, timings)."""
    ctx = Context(scale=scale, rng=random.Random(seed), defer_indexes=defer_indexes)
    for domain in DOMAINS:
        absent = missing(domain.REQUIRES)
        if absent:
            ctx.not_built(domain.NAME, absent)
            say(f"  {domain.NAME:<12} not built (no {', '.join(absent)} yet)")
            continue
        if getattr(domain, "PENDING", ""):
            ctx.loaded.append(
                {"table": domain.NAME, "rows": 0, "status": "not-built", "note": domain.PENDING}
            )
            say(f"  {domain.NAME:<12} not built ({domain.PENDING})")
            continue
        started = time.perf_counter()
        before = len(ctx.loaded)
        with transaction.atomic(), _triggers(on=getattr(domain, "TRIGGERS", False)):
            domain.load(ctx)
        after_commit = getattr(domain, "after_commit", None)
        if after_commit is not None:
            after_commit(ctx, say)
        rows = sum(entry["rows"] for entry in ctx.loaded[before:])
        say(f"  {domain.NAME:<12} {rows:>12,} rows in {time.perf_counter() - started:7.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cur:
        if connection.in_atomic_block:  # the harness's own tests load inside a transaction
            cur.execute("ANALYZE")
        else:
            # As autovacuum leaves a production database: statistics, and visibility maps
            # that let PostgreSQL answer from an index alone (the dashboard's counts).
            cur.execute("VACUUM (ANALYZE)")
    ctx.record("VACUUM ANALYZE", 0, started)
    if not connection.in_atomic_block:
        # Write the loaded and vacuumed pages out now, not while the scenarios are timed.
        started = time.perf_counter()
        try:
            with connection.cursor() as cur:
                cur.execute("CHECKPOINT")
        except DatabaseError:  # not a superuser (nor pg_checkpoint): writeback happens later
            pass
        ctx.record("CHECKPOINT", 0, started)
    return ctx


@contextlib.contextmanager
def _triggers(*, on: bool) -> Iterator[None]:
    """Row triggers back on for a domain that needs them (``TRIGGERS = True``) when the loader
    runs with them off (``bench.database.tune_session``)."""
    with connection.cursor() as cur:
        cur.execute("SHOW session_replication_role")
        role = cur.fetchone()[0]
        if not on or role == "origin":
            yield
            return
        cur.execute("SET session_replication_role = origin")
        try:
            yield
        finally:
            cur.execute(f"SET session_replication_role = {role}")

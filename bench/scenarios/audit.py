"""Audit trail figures (issue 7): write overhead, sealing, verification, and the search page."""

from __future__ import annotations

import hashlib
import io
import json
import statistics
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.utils import timezone

from bench.generate.base import EPOCH_END
from casework.audit.models import AuditEvent
from casework.core.errors import DomainError

from .base import (
    DAILY_PAGE_MS,
    DAILY_PAGE_SOURCE,
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

FORM = "application/x-www-form-urlencoded"


@scenario("audit.write_overhead", issue="7")
def write_overhead(run: Run) -> list[Result]:
    """The same write request (open a case: POST /cases/new/) with and without audit,
    interleaved in one run; without audit means no ``audit_record`` and no change capture.
    Each measured write follows an unmeasured one in the same state (see below)."""
    user = run.personas["investigator"]
    try:
        url = url_or_not_built(("cases:open", {}))
    except NotBuilt:
        url = None
    client = run.client_for("investigator")

    def write(n: int) -> float:
        started = time.perf_counter()
        if url is None:
            from casework.cases.services import case_open

            case_open(actor=user, unit=user.unit, title=f"Synthetic benchmark case {n}", lead=user)
        else:
            body = urlencode(
                {"title": f"Synthetic benchmark case {n}", "priority": "P3", "lead": user.pk}
            )
            response = client.post(url, body, content_type=FORM)
            if response.status_code != 302:
                raise RuntimeError(f"POST {url} answered {response.status_code}")
            # A browser follows the redirect and the next page takes the "Case … opened."
            # message; left in the cookie, the messages of every earlier write pile up (into the
            # session once the cookie is full) and each later request decodes and stores them
            # all: 13 µs more Python per message, so the writes grew slower as the run went on.
            client.cookies.pop("messages", None)
        return (time.perf_counter() - started) * 1000

    # Switching the capture triggers off and on is DDL, which makes PostgreSQL plan every
    # statement touching those tables again; an unmeasured write after each switch measures
    # both arms in the steady state of a persistent connection (CONN_MAX_AGE), as served.
    with_audit, without = [], []
    for n in range(run.scale.audit_writes):
        write(4 * n)
        with_audit.append(write(4 * n + 1))
        with audit_disabled():
            write(4 * n + 2)
            without.append(write(4 * n + 3))
    base = statistics.median(without)
    audited = statistics.median(with_audit)
    what = f"POST {url}" if url else "case_open service call"
    return [
        Result(
            "audit.write_overhead",
            f"Audit overhead on a write ({what}, median)",
            unit="%",
            value=(audited - base) / base * 100,
            target=Target(10, "issue 26"),
            baseline=base,
            baseline_label="ms per write without audit",
            persona="investigator",
            details={
                "request": what,
                "with_audit_ms": round(audited, 3),
                "without_audit_ms": round(base, 3),
                "writes_each": len(with_audit),
            },
        )
    ]


def _event_bytes(limit: int) -> list[bytes]:
    """The bytes the ledger hashes: its stored canonical form once issue 7 lands, else a
    canonical JSON rendering of the same fields (sorted keys, no spaces) as a stand-in."""
    fields = [f.attname for f in AuditEvent._meta.concrete_fields]
    stored = next(
        (name for name in ("canonical", "canonical_bytes", "payload") if name in fields), None
    )
    query = AuditEvent.objects.order_by("id")[:limit]
    if stored:
        return [bytes(value) for value in query.values_list(stored, flat=True)]
    return [
        json.dumps(row, sort_keys=True, separators=(",", ":"), default=str).encode()
        for row in query.values(*fields)
    ]


def _sha256_rate(blobs: list[bytes]) -> float:
    started = time.perf_counter()
    previous = b""
    for blob in blobs:
        # One leaf hash and one chain link per event, as a hash chain needs at the least.
        previous = hashlib.sha256(previous + hashlib.sha256(blob).digest()).digest()
    return len(blobs) / (time.perf_counter() - started)


@scenario("audit.sha256", issue="7")
def sha256_rate(run: Run) -> list[Result]:
    """How fast this machine hashes the events' bytes: the ceiling for verification."""
    blobs = _event_bytes(run.scale.verify_events)
    if not blobs:
        raise NotBuilt("no audit events to hash")
    rate = _sha256_rate(blobs)
    size = sum(len(b) for b in blobs)
    return [
        Result(
            "audit.sha256",
            "Raw SHA-256 over the events' bytes (the limit for verify)",
            unit="events/s",
            value=rate,
            details={
                "events": len(blobs),
                "mean_bytes": round(size / len(blobs)),
                "mb_per_second": round(size * rate / len(blobs) / 1e6, 1),
            },
        )
    ]


@scenario("audit.seal", issue="7")
def seal_rate(run: Run) -> list[Result]:
    """Events written as the application writes them (the ledger's trigger fixes their bytes),
    then sealed by the application's sealer: events sealed per second."""
    seal_all = import_or_not_built("casework.audit.sealing", "seal_all")
    seal_all(rounds=1000)  # anything left from generation or earlier scenarios
    fresh = run.scale.seal_events
    columns = (
        "occurred_at, actor_id, actor_username, action, outcome, object_type, object_id, "
        "case_id, request_id, ip_address, user_agent, reason, changes, details, source"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({columns}) SELECT now(), "
            + columns.split(", ", 1)[1]
            + " FROM audit_auditevent ORDER BY id DESC LIMIT %s",
            [fresh],
        )
    started = time.perf_counter()
    result = seal_all(rounds=1000, sign=True)
    seconds = time.perf_counter() - started
    if result["sealed"] < fresh:
        raise NotBuilt(f"the sealer sealed {result['sealed']} of {fresh} new events")
    return [
        Result(
            "audit.seal",
            "Sealer throughput (seal_all, with a signed checkpoint)",
            unit="events/s",
            value=result["sealed"] / seconds,
            target=Target(5000, "issue 7", below=False),
            details={
                "events": result["sealed"],
                "seconds": round(seconds, 3),
                "tree_size": result.get("tree_size"),
            },
        )
    ]


@scenario("audit.verify", issue="7")
def verify_rate(run: Run) -> list[Result]:
    """``verify_audit`` over the whole trail, and its rate as a share of the raw SHA-256 rate
    measured just before it on this machine (issue 26: a figure that does not depend on how
    fast the machine is)."""
    if "verify_audit" not in get_commands():
        raise NotBuilt("no verify_audit command yet")
    count = AuditEvent.objects.count()
    ceiling = _sha256_rate(_event_bytes(run.scale.verify_events))
    started = time.perf_counter()
    output = io.StringIO()
    call_command("verify_audit", verbosity=0, stdout=output, stderr=output)
    seconds = time.perf_counter() - started
    rate = count / seconds
    return [
        Result(
            "audit.verify",
            "verify_audit over the whole trail",
            unit="events/s",
            value=rate,
            target=Target(100_000, "issue 7", below=False),
            baseline=ceiling,
            baseline_label="raw SHA-256 over the events' bytes, measured just before",
            details={"events": count, "seconds": round(seconds, 3)},
            note="compare with audit.sha256, the machine's ceiling",
        ),
        Result(
            "audit.verify.share",
            "verify_audit's rate as a share of raw SHA-256 (same run)",
            unit="%",
            value=rate / ceiling * 100,
            target=Target(30, "issue 26", below=False),
            details={
                "verify_events_per_second": round(rate),
                "sha256_events_per_second": round(ceiling),
            },
        ),
    ]


@scenario("pages.audit_search", issue="7")
def audit_search(run: Run) -> list[Result]:
    """The audit workspace: one person's year (supervisor, auditor), one action across the
    whole trail (auditor), and an action that was never recorded (auditor: "any lock-outs?",
    which has to look at the whole trail to answer "none"), each the first keyset page."""
    url = url_or_not_built(("audit:events", {}), ("audit:search", {}), ("audit:list", {}))
    person = run.personas["investigator"]
    # Midnight UTC, as the form reads "since=<date>": a range on occurred_at, as the page's.
    since = EPOCH_END - timedelta(days=365)
    results = []
    for role, key, query, label, baseline in (
        (
            "supervisor",
            "person",
            f"person={person.username}&since={since.date().isoformat()}",
            "Audit search: one person's year",
            lambda: list(
                AuditEvent.objects.filter(
                    actor_username=person.username, occurred_at__gte=since
                ).order_by("-occurred_at", "-id")[:50]
            ),
        ),
        (
            "auditor",
            "person",
            f"person={person.username}&since={since.date().isoformat()}",
            "Audit search: one person's year",
            None,
        ),
        (
            "auditor",
            "action",
            "action=case.view",
            "Audit search: one action, whole trail",
            lambda: list(
                AuditEvent.objects.filter(action="case.view").order_by("-occurred_at", "-id")[:50]
            ),
        ),
        (
            "auditor",
            "action.none",
            "action=auth.lock_out",
            "Audit search: an action never recorded",
            None,
        ),
    ):
        results.append(
            page(
                run,
                name=f"pages.audit_search.{key}",
                label=label,
                role=role,
                url=f"{url}?{query}",
                target_ms=DAILY_PAGE_MS,
                target_source=DAILY_PAGE_SOURCE,
                baseline=baseline,
                baseline_label="plain ORM page of the same events" if baseline else "",
            )
        )
    return results


BUNDLE_EVENTS = 5000
BUNDLE_TARGET_S = 5.0


def _bundle_case(run: Run):
    """A case of the first unit with ``BUNDLE_EVENTS`` audit events and two exhibits, made once
    per database (found again by its title on a rerun: audit events cannot be removed)."""
    from casework.cases.models import Case
    from casework.cases.services import case_open
    from casework.custody import services as custody
    from casework.custody.models import EvidenceStore

    title = "Synthetic benchmark court bundle case"
    investigator = run.personas["investigator"]
    case = Case.objects.filter(title=title, unit=investigator.unit).first()
    made = case is None
    if made:
        case = case_open(actor=investigator, unit=investigator.unit, title=title, lead=investigator)
    store = EvidenceStore.objects.filter(is_active=True).order_by("id").first()
    for n in range(2 if made and store is not None else 0):
        try:
            custody.item_create(
                actor=investigator,
                case=case,
                store=store,
                store_identifier=f"STORE-9{case.pk % 10**6:06d}{n:02d}",
                exhibit_number=f"EXH-B{n}",
                kind="device",
                seized_at=timezone.now() - timedelta(days=3),
                seized_place="Synthetic place",
                seizure_authority="Synthetic warrant",
                seized_by=investigator,
            )
        except DomainError:  # the store's identifiers look otherwise: no exhibits, then
            break
    existing = AuditEvent.objects.filter(case_id=case.pk).count()
    with transaction.atomic(), connection.cursor() as cursor:
        # Written as the application writes them (the ledger's trigger fixes the bytes).
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_id, actor_username, action, "
            "outcome, object_type, object_id, case_id, request_id, ip_address, user_agent, "
            "reason, changes, details, source) "
            "SELECT now() - make_interval(secs => n), %s, %s, "
            "CASE WHEN n %% 5 = 0 THEN 'case_note.create' ELSE 'case.view' END, 'succeeded', "
            "'cases.case', %s, %s, '', NULL, 'bench', '', '{}', "
            "jsonb_build_object('n', n), 'service' FROM generate_series(1, %s) AS n",
            [
                investigator.pk,
                investigator.username,
                str(case.pk),
                case.pk,
                max(BUNDLE_EVENTS - existing, 0),
            ],
        )
    return case


@scenario("audit.court_bundle", issue="18")
def court_bundle(run: Run) -> list[Result]:
    """A case with 5,000 audit events: its court bundle built (reports, chronology, CASE/UCO,
    every event with its inclusion proof, signed manifest, zip) against the time to make the
    case's custody report PDF, chronology and CASE/UCO export alone, in the same run."""
    export = import_or_not_built("casework.custody.bundle", "court_bundle_export")
    from casework.audit.sealing import seal_all
    from casework.audit.verify_bundle import check
    from casework.cases import chronology
    from casework.custody.case_uco import case_uco_document
    from casework.custody.pdf import render_pdf
    from casework.custody.reporting import report_context
    from casework.custody.selectors import case_items_with_chains

    supervisor = run.personas["supervisor"]
    case = _bundle_case(run)
    seal_all(rounds=1000, sign=True)  # the setup's events; the bundle then seals only its own
    samples = max(2, min(run.samples, 3))
    times, cpu, database, sizes, built = [], [], [], [], None
    waited = [0.0]

    def in_database(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited[0] += time.perf_counter() - started

    for _ in range(samples):
        waited[0] = 0.0
        started, used = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(in_database):
            built = export(user=supervisor, case=case, via="bench")
        times.append(time.perf_counter() - started)
        database.append(waited[0])
        # This process's CPU time alone: on a shared machine the wall time also counts waiting
        # for a core, which the figure cannot tell apart from work.
        cpu.append(time.process_time() - used)
        sizes.append(len(built.content))

    def pieces() -> None:
        _, items = case_items_with_chains(user=supervisor, number=case.number)
        context = report_context(user=supervisor, case=case, items=items)
        render_pdf(
            title=context["title"], subtitle=case.number, reports=context["reports"],
            generated=context["generated"], generated_by="bench",
            checkpoint=context["checkpoint"],
        )  # fmt: skip
        told = list(chronology.chronology_events(case=case))
        chronology.describe(user=supervisor, case=case, events=told)
        json.dumps(case_uco_document(case, items))

    baseline = []
    for _ in range(samples):
        started = time.perf_counter()
        pieces()
        baseline.append(time.perf_counter() - started)

    import tempfile
    from pathlib import Path

    from casework.audit import keys

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / built.filename
        path.write_bytes(built.content)
        started = time.perf_counter()
        report = check(path, keys.verifier_key())
        verify_seconds = time.perf_counter() - started
    return [
        Result(
            "audit.court_bundle",
            f"Court bundle of a case with {built.events:,} audit events (median of {samples})",
            unit="s",
            value=statistics.median(times),
            target=Target(BUNDLE_TARGET_S, "issue 18"),
            baseline=statistics.median(baseline),
            baseline_label="custody report PDF + chronology + CASE/UCO of the same case",
            details={
                "events": built.events,
                "tree_size": built.tree_size,
                "zip_bytes": statistics.median(sizes),
                "seconds": [round(t, 3) for t in times],
                "python_cpu_seconds": [round(t, 3) for t in cpu],
                "database_seconds": [round(t, 3) for t in database],
                "standalone_verify_seconds": round(verify_seconds, 3),
                "verified": report.ok,
            },
        )
    ]


# --- the log over HTTP and proofs (issue 18) ---------------------------------------------------

LOG_TILE_MS = 10
INCLUSION_PROOF_MS = 20


class _RolledBack(Exception):
    pass


def _with_log_tables(measure):
    """Run ``measure()`` with the stored tree nodes in place, and leave the database as found.

    A benchmark database generated before issue 18 has neither the node table nor the
    cosignature table (migration audit 0008), and a shared one must not be migrated under the
    people measuring on it. So when they are missing the scenario creates them inside a
    transaction, fills the nodes from the sealed leaves as the sealer would after an upgrade
    (``tree.nodes_catch_up``, timed and reported), measures, and rolls everything back. Events
    the measured requests write (a proof is audited) go with it.
    """
    from django.apps import apps

    from casework.audit import tree

    holder: dict = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass('audit_audittreenode') IS NOT NULL")
                present = cursor.fetchone()[0]
            if not present:
                with connection.schema_editor(atomic=False) as editor:
                    for name in ("AuditTreeNode", "AuditCosignature", "WitnessedCheckpoint"):
                        editor.create_model(apps.get_model("audit", name))
            started = time.perf_counter()
            caught_up = tree.nodes_catch_up()
            with connection.cursor() as cursor:
                # What autovacuum does soon after the sealer's first catch-up in production.
                cursor.execute("ANALYZE audit_audittreenode")
            holder["catch_up"] = {
                "tables_created_for_the_run": not present,
                "nodes_written": caught_up,
                "seconds": round(time.perf_counter() - started, 1),
            }
            holder["results"] = measure()
            raise _RolledBack
    except _RolledBack:
        pass
    for result in holder["results"]:
        result.details["node_catch_up"] = holder["catch_up"]
    return holder["results"]


def _tree_size() -> int:
    from casework.audit.models import AuditCheckpoint

    size = (
        AuditCheckpoint.objects.exclude(signed_note="")
        .order_by("-id")
        .values_list("tree_size", flat=True)
        .first()
    )
    if not size:
        raise NotBuilt("no signed checkpoint in the benchmark ledger")
    return size


@scenario("audit.log_tile", issue="18")
def log_tile(run: Run) -> list[Result]:
    """GET /log/tile/... (C2SP tlog-tiles) as the auditor: a full leaf tile in the middle of
    the log, a level-1 and a level-2 tile, and the partial leaf tile at the edge. Baseline: GET
    /log/key, the same request path (sign-in, middleware) with no tile to read."""
    from casework.audit.log_views import tile_path_index

    def measure() -> list[Result]:
        size = _tree_size()
        wanted = [("level 0, full, middle", 0, (size // 256) // 2, None)]
        if size >= 256 * 256:
            wanted.append(("level 1, full", 1, (size // 65536) // 2, None))
        if size >= 65536 and (size // 65536) % 256:
            wanted.append(("level 2, partial", 2, (size // 65536) // 256, (size // 65536) % 256))
        if size % 256:
            wanted.append(("level 0, partial, edge", 0, size // 256, size % 256))
        results = []
        key_client = run.client_for("auditor")
        for label, level, index, width in wanted:
            suffix = f".p/{width}" if width else ""
            url = f"/log/tile/{level}/{tile_path_index(index)}{suffix}"
            results.append(
                page(
                    run,
                    name=f"audit.log_tile.{level}{'p' if width else ''}",
                    label=f"Log tile ({label})",
                    role="auditor",
                    url=url,
                    target_ms=LOG_TILE_MS,
                    target_source="issue 18",
                    baseline=lambda: key_client.get("/log/key"),
                    baseline_label="ms p95 of GET /log/key (the same request, no tile)",
                )
            )
        from casework.audit import tree

        for result, (_label, level, index, width) in zip(results, wanted, strict=True):
            result.details["tree_size"] = size
            # The tile's own cost, without the request around it.
            own = timed(
                lambda level=level, index=index, width=width: tree.tile(level, index, width or 256),
                run.samples,
            )
            result.details["tile_query_p50_ms"] = round(percentile(own, 0.50), 2)
            result.details["tile_query_p95_ms"] = round(percentile(own, 0.95), 2)
        return results

    return _with_log_tables(measure)


@scenario("audit.inclusion_proof", issue="18")
def inclusion_proof(run: Run) -> list[Result]:
    """GET /api/v1/audit/events/<id>/proof/ as the auditor for an event in the middle of the
    log, against the latest signed checkpoint (the proof is checked against the signed root
    and recorded as an audit event on every request). Baseline: GET /api/v1/me/ (the API's
    floor: token or session, DRF, one row)."""

    def measure() -> list[Result]:
        size = _tree_size()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.event_id FROM audit_auditseal AS s JOIN audit_auditevent AS e "
                "ON e.id = s.event_id WHERE s.position >= %s AND s.position < %s "
                "AND (e.case_id IS NULL OR e.changes = '{}') ORDER BY s.position LIMIT 1",
                [size // 2, size],
            )
            row = cursor.fetchone()
        if row is None:
            raise NotBuilt("no event an auditor may have the proof of")
        client = run.client_for("auditor")
        result = page(
            run,
            name="audit.inclusion_proof",
            label="Inclusion proof of one event (API)",
            role="auditor",
            url=f"/api/v1/audit/events/{row[0]}/proof/",
            target_ms=INCLUSION_PROOF_MS,
            target_source="issue 18",
            baseline=lambda: client.get("/api/v1/me/"),
            baseline_label="ms p95 of GET /api/v1/me/ (the API's floor)",
        )
        result.details["tree_size"] = size
        # The proof's own cost (lookups, hashing, the check against the signed root), without
        # the request, the access check and the audit event around it.
        from casework.audit.proofs import inclusion_proof_export

        own = timed(lambda: inclusion_proof_export(event_id=row[0]), run.samples)
        result.details["proof_p50_ms"] = round(percentile(own, 0.50), 2)
        result.details["proof_p95_ms"] = round(percentile(own, 0.95), 2)
        return [result]

    return _with_log_tables(measure)

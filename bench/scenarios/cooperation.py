"""Deconfliction between installations (issue 22): exporting and importing pointer sets, and a
local match against a partner's set, each beside a baseline measured in the same run.

Issue 22 names 10M pointers at national scale (export and import each within 5 minutes; a
local match within 10 ms p95). The scenario makes what it needs inside one transaction that it
rolls back: our shareable identifiers (padded up to the scale's count, in a unit opted in),
and a partner with a key whose set of the same size it writes and imports. At smaller scales
the export and import figures are projected to 10M from the time per pointer."""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from datetime import UTC, datetime

from django.db import connection, transaction
from django.urls import reverse

from ..database import cpu_seconds
from .base import NotBuilt, Result, Run, Target, import_or_not_built, percentile, scenario, timed

TARGET_POINTERS = 10_000_000
POINTERS = {"tiny": 2_000, "small": 50_000, "medium": 1_000_000, "national": 10_000_000}


def _cpu_since(before: tuple[float, float]) -> tuple[float, float]:
    return tuple(after - then for after, then in zip(cpu_seconds(), before, strict=True))


def _pointers(run: Run) -> int:
    return POINTERS.get(run.scale.name.split(",")[0], 50_000)


def _pad_shareable(run: Run, count: int) -> int:
    """Make ``count`` identifiers on one open case of a unit that opts in (triggers off for the
    padding only; rolled back by the caller)."""
    from casework.cases.models import Case, CaseIdentifier
    from casework.cooperation.models import SharingUnit

    case = Case.objects.exclude(status="closed").order_by("pk").first()
    if case is None:
        raise NotBuilt("no open case in the benchmark data")
    SharingUnit.objects.update_or_create(
        unit_id=case.unit_id, defaults={"contact_name": "Benchmark Desk", "active": True}
    )
    from casework.privacy.crypto import protect_identifier
    from casework.privacy.services import data_keys_ensure

    # Real ciphertext under the case's data key: the export decrypts every value it shares.
    meta = CaseIdentifier._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    template = CaseIdentifier.objects.values(*[f.attname for f in fields]).order_by("pk").first()
    if template is None:
        raise NotBuilt("no case identifier in the benchmark data")
    aead = data_keys_ensure(CaseIdentifier.privacy_scope, [case.pk])[case.pk]
    privacy_columns = CaseIdentifier.privacy_columns()
    owner = f"{CaseIdentifier.privacy_scope}:{case.pk}"
    names = ", ".join(f.column for f in fields)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        with cursor.copy(f"COPY {meta.db_table} ({names}) FROM STDIN") as copy:
            for g in range(1, count + 1):
                value = f"coop-{g}@example.invalid"
                protected = protect_identifier(
                    columns=privacy_columns,
                    owner=owner,
                    aead=aead,
                    kind="email",
                    raw=value,
                    normal=value,
                )
                row = dict(
                    template,
                    case_id=case.pk,
                    kind="email",
                    raw_value_ct=protected.raw_ct,
                    normal_value_ct=protected.normal_ct,
                    fingerprint=protected.fingerprint,
                    name_fingerprint=None,
                    service="",
                )
                copy.write_row([row[f.attname] for f in fields])
        cursor.execute(f"ANALYZE {meta.db_table}")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    run.say(f"    {count:,} shareable identifiers made in {time.perf_counter() - started:.0f} s")
    return count


def _partner_register():
    """A partner registered here with its signing key; returns the key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.cooperation import conf
    from casework.partners.key_models import PartnerInstallation, PartnerKey
    from casework.partners.models import Agency

    key = Ed25519PrivateKey.generate()
    agency = Agency.objects.create(name="Benchmark Partner", country="IE", kind="police")
    installation = PartnerInstallation.objects.create(agency=agency, issuer="bench.partner.invalid")
    PartnerKey.objects.create(
        installation=installation,
        key_id=conf.signing_key_id(key),
        public_key=conf.public_key_base64(key),
    )
    return key


def _partner_set(path: str, count: int, secret: bytes, key) -> None:
    """The partner's signed set of ``count`` pointers written to ``path``: one in a hundred
    fingerprints is of one of our padded identifiers; every handle is new."""
    from casework.cooperation import conf, services
    from casework.cooperation import pointer_format as fmt
    from casework.cooperation.conf import current_group_key

    group = current_group_key()
    with open(path, "wb") as out:
        writer = fmt.SetWriter(out, key)
        writer.header(
            fmt.Header(
                issuer="bench.partner.invalid",
                key_id=conf.signing_key_id(key),
                fingerprint_key_id=group.key_id,
                created=datetime.now(UTC),
                contacts=1,
                count=count,
            )
        )
        writer.contact(fmt.Contact("c1", "Benchmark Partner", "Partner Unit", "Duty Desk", "", ""))
        for n in range(count):
            value = (
                f"coop-{n + 1}@example.invalid" if n % 100 == 0 else f"partner-{n}@example.invalid"
            )
            writer.pointer(services.fingerprint(group.secret, "email", value), uuid.uuid4(), "c1")
        writer.finish()


@scenario("cooperation.pointers", issue="22")
def pointers(run: Run) -> list[Result]:
    import_or_not_built("casework.cooperation.services", "pointers_export")
    from casework.cases.models import CaseIdentifier
    from casework.cooperation import services

    count = _pointers(run)
    results = []
    with transaction.atomic():
        _pad_shareable(run, count)
        table = CaseIdentifier._meta.db_table
        reverse("cases:detail", args=["BENCH-1"])  # the URL map loads once per process, not here
        # Export, beside the baseline of copying the same identifiers out as they are. The
        # first export gives every identifier its handle; the figure is the routine one after.
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            services.pointers_export(actor=None, out=out)
            first_export_s = time.perf_counter() - started
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            exchange = services.pointers_export(actor=None, out=out)
            export_s = time.perf_counter() - started
            size = out.tell()
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY (SELECT kind, normal_value_ct FROM {table}) TO STDOUT") as copy,
            ):
                for chunk in copy:
                    out.write(chunk)
            copy_out_s = time.perf_counter() - started
        scale = TARGET_POINTERS / exchange.pointer_count
        results.append(
            Result(
                "cooperation.export",
                f"pointers_export, {exchange.pointer_count:,} pointers, time per 10M",
                unit="s",
                value=export_s * scale,
                target=Target(300, "issue 22"),
                baseline=copy_out_s * scale,
                baseline_label="COPY of the raw identifiers out, per 10M",
                details={
                    "pointers": exchange.pointer_count,
                    "seconds": round(export_s, 2),
                    "first_export_seconds": round(first_export_s, 2),
                    "first_export_per_10M_s": round(first_export_s * scale),
                    "bytes": size,
                },
                note=""
                if exchange.pointer_count >= TARGET_POINTERS
                else f"projected from {exchange.pointer_count:,}",
            )
        )
        # Import of a partner's set of the same size, beside a plain COPY of its rows; then the
        # routine replacement: the same partner's next set (new handles) replaces the first.
        from casework.cooperation.conf import current_group_key

        partner_key = _partner_register()
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as partner_file:
            _partner_set(partner_file.name, count, current_group_key().secret, partner_key)
            with open(partner_file.name, "rb") as source:
                started, cpu = time.perf_counter(), cpu_seconds()
                received = services.pointers_import(actor=None, source=source)
                import_s, import_cpu = time.perf_counter() - started, _cpu_since(cpu)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("CREATE TEMP TABLE bench_plain_pointer (line text) ON COMMIT DROP")
                with (
                    cursor.copy("COPY bench_plain_pointer (line) FROM STDIN") as copy,
                    open(partner_file.name, "rb") as source,
                ):
                    for line in source:
                        copy.write_row((line.decode().rstrip("\n").replace("\\", "\\\\"),))
            copy_in_s = time.perf_counter() - started
            _partner_set(partner_file.name, count, current_group_key().secret, partner_key)
            with open(partner_file.name, "rb") as source:
                started, cpu = time.perf_counter(), cpu_seconds()
                replaced = services.pointers_import(actor=None, source=source)
                replace_s, replace_cpu = time.perf_counter() - started, _cpu_since(cpu)
        note = "" if count >= TARGET_POINTERS else f"projected from {count:,}"
        for name, label, seconds, cpu_s, exchange in (
            (
                "cooperation.import",
                "pointers_import (verify, store, match)",
                import_s,
                import_cpu,
                received,
            ),
            (
                "cooperation.import.replace",
                "pointers_import replacing the partner's set",
                replace_s,
                replace_cpu,
                replaced,
            ),
        ):
            results.append(
                Result(
                    name,
                    f"{label}, {count:,} pointers, time per 10M",
                    unit="s",
                    value=seconds * TARGET_POINTERS / count,
                    target=Target(300, "issue 22"),
                    baseline=copy_in_s * TARGET_POINTERS / count,
                    baseline_label="COPY of the file's lines into a table, per 10M",
                    details={
                        "pointers": count,
                        "seconds": round(seconds, 2),
                        "hits": exchange.hits,
                        # CPU of this process and of its PostgreSQL backend (parallel index
                        # build or query workers not included), per 10M.
                        "python_cpu_per_10M_s": round(cpu_s[0] * TARGET_POINTERS / count, 1),
                        "postgres_cpu_per_10M_s": round(cpu_s[1] * TARGET_POINTERS / count, 1),
                    },
                    note=note,
                )
            )
        transaction.set_rollback(True)  # everything made here is for this measurement only
    return results


@scenario("cooperation.match", issue="22")
def match(run: Run) -> list[Result]:
    """The lookup a new identifier makes against a partner's set of 10M pointers, beside the
    deconfliction lookup in our own identifiers. The set is stored directly, as ``pointers_import``
    stores one (the import itself is ``cooperation.pointers``)."""
    import_or_not_built("casework.cooperation.services", "partner_pointers_for")
    from casework.cases.models import CaseIdentifier
    from casework.cooperation import pointer_format as fmt
    from casework.cooperation import services
    from casework.cooperation.conf import current_group_key
    from casework.cooperation.models import PointerExchange
    from casework.cooperation.services import importing
    from casework.partners.key_models import PartnerInstallation
    from casework.partners.models import Agency
    from casework.privacy.crypto import fingerprint as keyed_fingerprint

    count = _pointers(run)
    secret = current_group_key().secret
    with transaction.atomic():
        agency = Agency.objects.create(name="Benchmark Partner", country="IE", kind="police")
        partner = PartnerInstallation.objects.create(agency=agency, issuer="bench.match.invalid")
        exchange = PointerExchange.objects.create(
            direction="received",
            channel="file",
            installation=partner,
            signing_key_id="bench",
            fingerprint_key_id="bench",
            digest="0" * 64,
            set_created_at=datetime.now(UTC),
        )
        started = time.perf_counter()

        def items():
            yield fmt.Contact("c1", "Partner", "Unit", "Duty Desk", "", "")
            for n in range(count):
                value = f"coop-{n}@example.invalid" if n % 100 == 0 else f"p-{n}@example.invalid"
                fingerprint = services.fingerprint(secret, "email", value)
                yield fingerprint.hex().encode(), uuid.uuid4().hex.encode(), "c1"

        # Stored as ``pointers_import`` stores a set (its own table, indexed, analysed, then
        # attached as the partner's partition), without the signed file around it.
        new_set = importing._set_build(items(), partner=partner, exchange=exchange)
        importing._set_swap(partner=partner, new_set=new_set, exchange=exchange)
        run.say(f"    {count:,} partner pointers copied in {time.perf_counter() - started:.0f} s")
        rng = random.Random(22)
        values = [
            f"coop-{rng.randrange(0, count, 100)}@example.invalid"
            if n % 2
            else f"nobody-{n}@example.invalid"
            for n in range(run.samples * 4)
        ]
        cycle = iter(values * 10)

        def lookup():
            return services.partner_pointers_for("email", next(cycle))

        def baseline():
            fingerprint = keyed_fingerprint("email", next(cycle))
            return list(
                CaseIdentifier.objects.filter(kind="email", fingerprint=fingerprint).values_list(
                    "pk", flat=True
                )[:10]
            )

        found = sum(1 for value in values[1::2] if services.partner_pointers_for("email", value))
        matches = timed(lookup, len(values))
        lookups = timed(baseline, len(values))
        transaction.set_rollback(True)
    return [
        Result(
            "cooperation.match",
            f"Local match against a partner's {count:,} pointers",
            unit="ms p95",
            value=percentile(matches, 0.95),
            target=Target(10, "issue 22, at 10M pointers"),
            baseline=percentile(lookups, 0.95),
            baseline_label="deconfliction lookup in our own identifiers",
            details={
                "p50_ms": round(percentile(matches, 0.5), 3),
                "partner_pointers": count,
                "samples": len(matches),
                "values_found": f"{found} of {len(values[1::2])}",
            },
        )
    ]

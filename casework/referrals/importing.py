"""Bulk intake of referrals from a JSON Lines or CSV file (``manage.py import_referrals``).

A file is all-or-nothing: every row is validated first (with the same rules as the web form and
the API, ``casework.referrals.validation``) and any invalid row rejects the whole file, with
every problem listed as ``FILE:LINE: field: message``. Duplicates (a source reference already
recorded, or repeated in the file) are not errors: they are reported, linked to the original as
``DuplicateArrival`` records, and not imported.

Speed matters (a source's backlog can be 100,000 reports): validation runs without a query per
row, the rows are written with PostgreSQL ``COPY`` inside one transaction, identifiers are
deconflicted in bulk, and the audit trail records the import as one event naming the file,
the counts and the id range, rather than 100,000 events.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from casework.accounts.models import Unit, User
from casework.audit.services import audit_record
from casework.core import events
from casework.core.bulk import copy_rows
from casework.core.errors import DomainError
from casework.privacy.crypto import fingerprint, protect_identifiers
from casework.privacy.models import KeyScope
from casework.privacy.services import data_keys_ensure

from . import deconfliction
from .choices import IntakeChannel, ReferralStatus
from .clocks import triage_clock
from .models import DuplicateArrival, Referral, ReferralIdentifier
from .services import active_incident_types
from .validation import CleanReferral, clean_referral

REFERRAL_FIELDS = (
    "source_kind",
    "source_agency",
    "source_reference",
    "received_at",
    "incident_at",
    "incident_type",
    "jurisdiction",
    "priority",
    "source_priority",
    "escalation_requested",
    "summary",
)
IDENTIFIER_FIELDS = ("kind", "value", "service", "device_kind", "ip_event", "observed_at", "port")
_CSV_IDENTIFIER = re.compile(r"^identifier(\d+)_(" + "|".join(IDENTIFIER_FIELDS) + r")$")


def shown(name: str) -> str:
    """A field or column name as it may be printed: a name from the file that holds control,
    direction or broken characters is shown escaped, so an error line cannot repaint the
    terminal, reverse the text after it, or fail to print."""
    return name if name.isprintable() else ascii(name)


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def format(self, path: str) -> str:
        return f"{path}:{self.line}: {shown(self.field or 'row')}: {self.message}"


@dataclass(frozen=True)
class DuplicateRow:
    line: int
    source_agency: str
    source_reference: str
    reason: str  # "already recorded (referral 42)" or "repeats line 7"


@dataclass
class ImportResult:
    """What an import found and did. ``ok`` is False when the file was rejected."""

    path: str
    dry_run: bool
    rows: int = 0
    imported: int = 0
    identifiers: int = 0
    deconfliction_matches: int = 0
    duplicates: list[DuplicateRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    referral_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step, for the bench

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self) -> list[str]:
        return [error.format(self.path) for error in self.errors]

    def summary(self) -> str:
        if not self.ok:
            return (
                f"{self.path}: rejected, nothing written: {len(self.errors)} error(s) "
                f"in {self.rows} row(s)."
            )
        verb = "would import" if self.dry_run else "imported"
        rate = f" in {self.seconds:.1f} s" if self.seconds else ""
        return (
            f"{self.path}: {self.rows} row(s) read, {verb} {self.imported} referral(s) with "
            f"{self.identifiers} identifier(s), {len(self.duplicates)} duplicate(s) not "
            f"imported, {self.deconfliction_matches} deconfliction match(es){rate}."
        )


# --- reading -------------------------------------------------------------------------------


def detect_format(path: Path, text: str | None = None) -> str:
    """``jsonl`` or ``csv`` from the extension, else from the first non-blank character."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    first = re.search(r"\S", text or "")
    if first is None:
        return "jsonl"
    return "jsonl" if first.group() == "{" else "csv"


def _decode(data: bytes, errors: list[RowError]) -> str:
    """The file as text; every line that is not UTF-8 is reported (and read with U+FFFD in
    place of the bad bytes, so the other rows are still checked)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # bytes.splitlines breaks at LF, CR LF and a lone CR, as the readers below do, so the line
    # numbers agree.
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(RowError(number, "row", "not UTF-8 text: save the file as UTF-8."))
    return data.decode("utf-8", errors="replace")


# A row is an object whose values are text, numbers, booleans or (identifiers) a list of flat
# objects. Anything nested deeper is a mistake, and walking or pickling a very deep value (for
# the worker processes) would exhaust Python's recursion; so depth is checked first, with a
# walk that stops at the limit.
_MAX_VALUE_DEPTH = 2


def _deeper_than(value: Any, limit: int) -> bool:
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return False
    return limit == 0 or any(_deeper_than(item, limit - 1) for item in value)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a file that says two things is refused.
    row = dict(pairs)
    if len(row) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKey(key)
            seen.add(key)
    return row


class _RepeatedKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _jsonl_rows(lines: Iterator[str], errors: list[RowError]) -> Iterator[tuple[int, dict]]:
    allowed = {*REFERRAL_FIELDS, "identifiers"}
    identifier_allowed = set(IDENTIFIER_FIELDS)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(
                line,
                object_pairs_hook=_object_without_repeats,
                parse_constant=_refuse_constant,
            )
        except _RepeatedKey as repeated:
            errors.append(RowError(number, repeated.key, "given twice in one JSON object."))
            continue
        except json.JSONDecodeError as error:
            errors.append(RowError(number, "row", f"not valid JSON ({error.msg})."))
            continue
        except RecursionError:
            errors.append(RowError(number, "row", "not valid JSON (nested too deeply)."))
            continue
        except ValueError as error:
            # NaN and Infinity, or an integer of thousands of digits.
            problem = "a number too long" if "digits" in str(error) else str(error)
            errors.append(RowError(number, "row", f"not valid JSON ({problem})."))
            continue
        if not isinstance(row, dict):
            errors.append(RowError(number, "row", "each line is one JSON object."))
            continue
        unknown = sorted(set(row) - allowed)
        if unknown:
            errors.append(RowError(number, unknown[0], "unknown field (see the import format)."))
            continue
        problem = _nesting_problem(row, identifier_allowed)
        if problem is not None:
            errors.append(RowError(number, *problem))
            continue
        yield number, row


def _nesting_problem(row: dict, identifier_allowed: set[str]) -> tuple[str, str] | None:
    """A value nested deeper than any field allows, or an unknown key in an identifier."""
    for key, value in row.items():
        if _deeper_than(value, _MAX_VALUE_DEPTH):
            return key, "nested too deeply (see the import format)."
    identifiers = row.get("identifiers")
    if isinstance(identifiers, list):
        for index, item in enumerate(identifiers):
            if isinstance(item, dict):
                unknown = sorted(set(item) - identifier_allowed)
                if unknown:
                    return (
                        f"identifiers[{index}].{unknown[0]}",
                        "unknown field in an identifier (see the import format).",
                    )
    return None


def _csv_rows(lines: Iterator[str], errors: list[RowError]) -> Iterator[tuple[int, dict]]:
    # strict: a stray or missing quote is an error at its line, not a silently merged cell.
    reader = csv.reader(lines, strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        errors.append(RowError(1, "row", _csv_problem(error)))
        return
    slots: dict[int, dict[str, int]] = {}
    plain: dict[str, int] = {}
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in seen:
            errors.append(
                RowError(1, name, f"column given twice (columns {seen[name]} and {index + 1}).")
            )
            continue
        seen[name] = index + 1
        match = _CSV_IDENTIFIER.match(name)
        if match:
            slots.setdefault(int(match.group(1)), {})[match.group(2)] = index
        elif name in REFERRAL_FIELDS:
            plain[name] = index
        else:
            errors.append(RowError(1, name or f"column {index + 1}", "unknown column."))
    if errors:
        return
    ordered_slots = [slots[n] for n in sorted(slots)]
    width = len(header)
    line = reader.line_num
    while True:
        number = line + 1  # the line the row starts on (a quoted cell may span lines)
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # The reader cannot find the next row reliably after this: stop here.
            errors.append(RowError(number, "row", _csv_problem(error)))
            return
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != width:
            errors.append(
                RowError(number, "row", f"{len(values)} cells where the header has {width}.")
            )
            continue
        row: dict[str, Any] = {name: values[index] for name, index in plain.items()}
        identifiers = []
        for slot in ordered_slots:
            item = {name: values[index] for name, index in slot.items()}
            if any(value.strip() for value in item.values()):
                identifiers.append(item)
        row["identifiers"] = identifiers
        yield number, row


def _csv_problem(error: csv.Error) -> str:
    if "field limit" in str(error):
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters "
            "(the longest field, the summary, holds 5,000)."
        )
    if "unexpected end of data" in str(error):
        return 'a quoted cell is never closed (a " is missing).'
    return f"not valid CSV ({error})."


def _read_rows(path: Path, errors: list[RowError]) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        errors.append(RowError(0, "file", f"cannot be read ({error.strerror or error})."))
        return []
    text = _decode(data, errors)
    # Lines split as a file opened with newline="" splits them (LF, CR LF, lone CR), so line
    # numbers agree with the CSV reader's and with _decode's.
    lines = io.StringIO(text, newline="")
    reader = _jsonl_rows if detect_format(path, text) == "jsonl" else _csv_rows
    return list(reader(lines, errors))


# --- writing -------------------------------------------------------------------------------

_REFERRAL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "unit_id",
    "source_kind",
    "source_agency",
    "source_reference",
    "received_at",
    "incident_at",
    "incident_type_id",
    "jurisdiction",
    "priority",
    "source_priority",
    "escalation_requested",
    "status",
    "summary",
    "channel",
    "triage_due_at",
    "decline_reason",
    "referred_out_to",
    "referred_out_reference",
    "created_by_id",
)
_IDENTIFIER_COLUMNS = (
    "created_at",
    "updated_at",
    "referral_id",
    "kind",
    "raw_ct",
    "normal_ct",
    "fingerprint",
    "name_fingerprint",
    "service",
    "device_kind",
    "ip_event",
    "observed_at",
    "port",
    "match_count",
)


def _reserve_ids(count: int) -> list[int]:
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _write(
    referrals: list[CleanReferral], *, unit: Unit, actor: User | None, progress
) -> tuple[list[int], int]:
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    triage_due = triage_clock(unit=unit)  # the rules, read once for the whole file
    ids = _reserve_ids(len(referrals))
    copy_rows(
        Referral._meta.db_table,
        _REFERRAL_COLUMNS,
        (
            (
                pk,
                now,
                now,
                unit.pk,
                r.source_kind,
                r.source_agency,
                r.source_reference,
                r.received_at,
                r.incident_at,
                r.incident_type_id,
                r.jurisdiction,
                r.priority,
                r.source_priority,
                r.escalation_requested,
                ReferralStatus.NEW.value,
                r.summary,
                IntakeChannel.IMPORT.value,
                triage_due(r.received_at, r.priority),
                "",
                "",
                "",
                actor_id,
            )
            for pk, r in zip(ids, referrals, strict=True)
        ),
        progress,
    )
    count = sum(len(r.identifiers) for r in referrals)
    # Every per-row cipher and fingerprint in one call (casework.privacy.crypto); data keys of
    # all the new referrals are made in one insert.
    ciphers = data_keys_ensure(KeyScope.REFERRAL, ids)
    flat = [(pk, i) for pk, r in zip(ids, referrals, strict=True) for i in r.identifiers]
    protected = protect_identifiers(
        columns=ReferralIdentifier.privacy_columns(),
        rows=(
            (f"referral:{pk}", ciphers[pk], i.kind, i.raw, i.normal, i.service) for pk, i in flat
        ),
    )
    copy_rows(
        ReferralIdentifier._meta.db_table,
        _IDENTIFIER_COLUMNS,
        (
            (
                now,
                now,
                pk,
                i.kind,
                p.raw_ct,
                p.normal_ct,
                p.fingerprint,
                p.name_fingerprint,
                i.service,
                i.device_kind,
                i.ip_event,
                i.observed_at,
                i.port,
                0,
            )
            for (pk, i), p in zip(flat, protected, strict=True)
        ),
    )
    return ids, count


def _record_match_counts(ids: list[int], matches: dict[tuple[str, str], list]) -> int:
    """Store how many cases hold each matched identifier (writes grow with matches only)."""
    if not matches:
        return 0
    # The kind as well as the fingerprint: the index is on (kind, fingerprint).
    kinds = [kind for kind, _ in matches]
    fingerprints = [fingerprint(kind, value) for kind, value in matches]
    counts = [len(found) for found in matches.values()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {ReferralIdentifier._meta.db_table} AS i
               SET match_count = m.n
              FROM unnest(%s::text[], %s::bytea[], %s::int[]) AS m(kind, fingerprint, n)
             WHERE i.kind = m.kind AND i.fingerprint = m.fingerprint
               AND i.referral_id BETWEEN %s AND %s
            """,
            [kinds, fingerprints, counts, min(ids), max(ids)],
        )
    return sum(counts)


def _existing(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Already-recorded (agency, reference) pairs among ``keys``: one query per 50,000."""
    found: dict[tuple[str, str], int] = {}
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(keys), 50_000):
            batch = keys[start : start + 50_000]
            cursor.execute(
                f"""
                SELECT r.source_agency, r.source_reference, r.id
                  FROM {table} AS r
                  JOIN unnest(%s::text[], %s::text[]) AS k(agency, reference)
                    ON r.source_agency = k.agency AND r.source_reference = k.reference
                """,
                [[a for a, _ in batch], [b for _, b in batch]],
            )
            for agency, reference, pk in cursor.fetchall():
                found[(agency, reference)] = pk
    return found


# Validation is pure Python and dominates an import; above this many rows it is spread over
# the machine's cores (forked workers that never touch the database).
PARALLEL_THRESHOLD = 20_000
CHUNK = 5_000


def _clean_chunk(chunk, incident_types):
    out = []
    for line, data in chunk:
        clean, problems = clean_referral(data, incident_types=incident_types)
        out.append((line, clean, [(p.field, p.message) for p in problems]))
    return out


def _validate(rows, incident_types, bar):
    chunks = [rows[start : start + CHUNK] for start in range(0, len(rows), CHUNK)]
    workers = min(os.cpu_count() or 1, 4)
    if len(rows) < PARALLEL_THRESHOLD or workers < 2:
        results = (_clean_chunk(chunk, incident_types) for chunk in chunks)
        for done in results:
            if bar is not None:
                bar.update(len(done))
            yield from done
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_clean_chunk, chunk, incident_types) for chunk in chunks]
        for future in futures:
            done = future.result()
            if bar is not None:
                bar.update(len(done))
            yield from done


def _progress(total: int | None, description: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit=" rows", leave=False)


def import_referrals_file(
    path: str | os.PathLike,
    *,
    unit: Unit | str,
    actor: User | None = None,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Validate ``path`` and, unless ``dry_run``, import it into ``unit`` in one transaction.

    Returns the result whether or not the file was accepted; nothing is written when
    ``result.ok`` is False. ``progress`` shows tqdm bars (the command turns it on for a TTY).
    Publishes ``referral.received_bulk`` (referral_ids, actor, unit) once for the whole file.
    """
    started = time.monotonic()
    source = Path(path)
    result = ImportResult(path=str(path), dry_run=dry_run)
    if isinstance(unit, str):
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise DomainError(f"No unit with code {unit!r}.", field="unit")
        unit = found
    if not source.is_file():
        result.errors.append(RowError(0, "file", "no such file."))
        return result
    incident_types = active_incident_types()
    now = timezone.now()
    clean_rows: list[tuple[int, CleanReferral]] = []
    mark = time.monotonic()

    def lap(name: str) -> None:
        nonlocal mark
        result.phases[name] = round(time.monotonic() - mark, 3)
        mark = time.monotonic()

    raw_rows = _read_rows(source, result.errors)
    result.rows = len(raw_rows)
    lap("read")
    bar = _progress(len(raw_rows), "validating", progress)
    try:
        for line, clean, problems in _validate(raw_rows, incident_types, bar):
            for field_name, message in problems:
                result.errors.append(RowError(line, field_name or "row", message))
            if clean is not None:
                clean_rows.append((line, clean))
    finally:
        if bar is not None:
            bar.close()
    lap("validate")
    if not result.errors and result.rows == 0:
        result.errors.append(RowError(1, "file", "no referrals in the file."))
    if result.errors:
        result.seconds = time.monotonic() - started
        return result

    first_line: dict[tuple[str, str], int] = {}
    fresh: list[tuple[int, CleanReferral]] = []
    in_file_duplicates: list[tuple[int, CleanReferral, int]] = []
    for line, clean in clean_rows:
        key = clean.source_key
        if key in first_line:
            in_file_duplicates.append((line, clean, first_line[key]))
        else:
            first_line[key] = line
            fresh.append((line, clean))
    existing = _existing(list(first_line))
    to_import: list[tuple[int, CleanReferral]] = []
    db_duplicates: list[tuple[int, CleanReferral, int]] = []
    for line, clean in fresh:
        original = existing.get(clean.source_key)
        if original is None:
            to_import.append((line, clean))
        else:
            db_duplicates.append((line, clean, original))
            result.duplicates.append(
                DuplicateRow(
                    line,
                    clean.source_agency,
                    clean.source_reference,
                    f"already recorded (referral {original})",
                )
            )
    for line, clean, earlier in in_file_duplicates:
        result.duplicates.append(
            DuplicateRow(
                line, clean.source_agency, clean.source_reference, f"repeats line {earlier}"
            )
        )
    result.duplicates.sort(key=lambda duplicate: duplicate.line)
    lap("duplicates")
    result.imported = len(to_import)
    result.identifiers = sum(len(clean.identifiers) for _, clean in to_import)
    if dry_run:
        result.seconds = time.monotonic() - started
        return result

    with transaction.atomic():
        referrals = [clean for _, clean in to_import]
        bar = _progress(len(referrals), "writing", progress)
        ids: list[int] = []
        if referrals:
            ids, result.identifiers = _write(referrals, unit=unit, actor=actor, progress=bar)
        if bar is not None:
            bar.close()
        lap("write")
        result.referral_ids = ids
        id_by_key = {clean.source_key: pk for (_, clean), pk in zip(to_import, ids, strict=True)}
        arrivals = [
            DuplicateArrival(
                referral_id=original,
                arrived_at=now,
                channel=IntakeChannel.IMPORT,
                received_at=clean.received_at,
                recorded_by=actor,
                unit=unit,
            )
            for _, clean, original in db_duplicates
        ] + [
            DuplicateArrival(
                referral_id=id_by_key.get(clean.source_key) or existing[clean.source_key],
                arrived_at=now,
                channel=IntakeChannel.IMPORT,
                received_at=clean.received_at,
                recorded_by=actor,
                unit=unit,
            )
            for _, clean, _ in in_file_duplicates
        ]
        DuplicateArrival.objects.bulk_create(arrivals, batch_size=5000)
        if ids:
            pairs = list(
                dict.fromkeys((i.kind, i.normal) for r in referrals for i in r.identifiers)
            )
            matches = deconfliction.deconflict_many(
                actor=actor, pairs=pairs, context_label=f"import {source.name}"
            )
            result.deconfliction_matches = _record_match_counts(ids, matches)
        lap("deconflict")
        audit_record(
            actor=actor,
            action="referral.import",
            object_type=Referral._meta.label_lower,
            details={
                "file": source.name,
                "unit": unit.code,
                "rows": result.rows,
                "imported": result.imported,
                "identifiers": result.identifiers,
                "duplicates": len(result.duplicates),
                "first_id": min(ids) if ids else None,
                "last_id": max(ids) if ids else None,
            },
        )
        if ids:
            events.publish("referral.received_bulk", referral_ids=ids, actor=actor, unit=unit)
    lap("commit")
    result.seconds = time.monotonic() - started
    return result


def dump_rows_jsonl(rows: list[dict[str, Any]]) -> str:
    """JSON Lines text for ``rows`` (used by the example generator and the tests)."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write(json.dumps(row, ensure_ascii=False) + "\n")
    return buffer.getvalue()

"""Bulk intake of referrals from a JSON Lines or CSV file (``manage.py import_referrals``).

A file is all-or-nothing: every row is validated (with the same rules as the web form and the
API, ``casework.referrals.validation``) and any invalid row rejects the whole file, with every
problem listed as ``FILE:LINE: field: message``. Duplicates (a source reference already
recorded, or repeated in the file) are not errors: they are reported, linked to the original as
``DuplicateArrival`` records, and not imported.

This module reads and checks the file; the rows are written by the referrals' bulk write path
(``casework.referrals.bulk.referrals_receive_bulk``), which shares its row builder with
``referral_receive``. Speed matters (a source's backlog can be 100,000 reports): validation runs
without a query per row, in a thread, batch by batch, while the previous batch is copied into
PostgreSQL in the same transaction; a later invalid row rolls the whole transaction back.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import queue
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from casework.accounts.models import Unit, User
from casework.core.errors import DomainError

from .bulk import referrals_bulk_preview, referrals_receive_bulk
from .services import active_incident_types
from .validation import clean_referral

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
    # Only containers can be too deep: scalars (nearly every value) cost no call.
    return limit == 0 or any(
        _deeper_than(item, limit - 1) for item in value if isinstance(item, dict | list)
    )


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
        if isinstance(value, dict | list) and _deeper_than(value, _MAX_VALUE_DEPTH):
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


def _read_rows(path: Path, errors: list[RowError]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The file's rows, parsed as they are asked for (by the validating thread, so parsing
    overlaps the writing too); reading and decoding the file happen now."""
    try:
        data = path.read_bytes()
    except OSError as error:
        errors.append(RowError(0, "file", f"cannot be read ({error.strerror or error})."))
        return iter(())
    text = _decode(data, errors)
    # Lines split as a file opened with newline="" splits them (LF, CR LF, lone CR), so line
    # numbers agree with the CSV reader's and with _decode's.
    lines = io.StringIO(text, newline="")
    reader = _jsonl_rows if detect_format(path, text) == "jsonl" else _csv_rows
    return reader(lines, errors)


# --- validating beside the writing ---------------------------------------------------------

# Rows per batch: validated in a thread, then written with COPY while the thread validates
# the next. A batch is about 2 MB of rows in memory.
CHUNK = 5_000
FIRST_CHUNK = 1_000


class _Rejected(Exception):
    """Raised into the bulk intake when the file has an invalid row: everything rolls back."""


def _clean_chunk(chunk, incident_types):
    out = []
    for line, data in chunk:
        clean, problems = clean_referral(data, incident_types=incident_types)
        out.append((line, clean, [(p.field, p.message) for p in problems]))
    return out


class _Validator:
    """Reads and validates the file in a thread, handing batches over in order.

    The thread is pure Python and never touches the database; the writer waits on PostgreSQL
    most of the time (psycopg releases the GIL then), so the two overlap on two cores, and no
    row is pickled to another process and back (which cost the importer as much as the
    validation itself; see docs/performance.md, "Issue 26: margins").
    """

    _DONE = object()

    def __init__(self, rows: Iterator[tuple[int, dict]], incident_types) -> None:
        self.rows_read = 0  # set once the thread has read the whole file
        self._queue: queue.Queue = queue.Queue(maxsize=8)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(rows, incident_types), name="import-validate", daemon=True
        )
        self._thread.start()

    def _run(self, rows, incident_types) -> None:
        try:
            count = 0
            # The first batch is smaller, so PostgreSQL starts writing sooner.
            size = min(CHUNK, FIRST_CHUNK)
            while chunk := list(itertools.islice(rows, size)):
                size = CHUNK
                count += len(chunk)
                if not self._put(_clean_chunk(chunk, incident_types)):
                    return
            self.rows_read = count
            self._put(self._DONE)
        except BaseException as error:  # handed to the reader, which raises it
            self._put(error)

    def _put(self, item) -> bool:
        """Hand ``item`` over; False when the reader has stopped (it will never take it)."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        try:
            while True:
                item = self._queue.get()
                if item is self._DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            self._thread.join()


def _progress(total: int | None, description: str, enabled: bool):
    if not enabled:
        return None
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
    The rows are received by ``referrals_receive_bulk`` (the referrals' bulk write path),
    batch by batch as they are validated; an invalid row anywhere rolls the whole file back.
    """
    started = time.monotonic()
    source = Path(path)
    result = ImportResult(path=str(path), dry_run=dry_run)
    unit = _unit_named(unit)
    if not source.is_file():
        result.errors.append(RowError(0, "file", "no such file."))
        return result
    incident_types = active_incident_types()
    mark = time.monotonic()
    raw_rows = _read_rows(source, result.errors)  # parsed by the validating thread
    result.phases["read"] = round(time.monotonic() - mark, 3)
    mark = time.monotonic()
    problems: list[RowError] = []  # after the reading errors, as the file is checked
    rows = _clean_batches(raw_rows, incident_types, result, problems, progress=progress)
    try:
        if dry_run:
            outcome = referrals_bulk_preview(batches=rows)
        else:
            outcome = referrals_receive_bulk(
                actor=actor, unit=unit, batches=rows, source=source.name
            )
    except _Rejected:
        result.errors.extend(problems)
        result.seconds = time.monotonic() - started
        return result
    finally:
        rows.close()  # stops the validating thread if the write failed half way
    result.phases["validate and write"] = round(time.monotonic() - mark, 3)
    _take_outcome(result, outcome)
    result.seconds = time.monotonic() - started
    return result


def _unit_named(unit: Unit | str) -> Unit:
    if not isinstance(unit, str):
        return unit
    found = Unit.objects.filter(code=unit).first()
    if found is None:
        raise DomainError(f"No unit with code {unit!r}.", field="unit")
    return found


def _clean_batches(
    raw_rows: Iterator[tuple[int, dict]],
    incident_types: dict[str, int],
    result: ImportResult,
    problems: list[RowError],
    *,
    progress: bool,
) -> Iterator[list]:
    """Clean batches while the file is still good; raises _Rejected at the end if not."""
    bar = _progress(None, "importing", progress)
    validator = _Validator(raw_rows, incident_types)
    try:
        for done in validator:
            batch = []
            for line, clean, found in done:
                for field_name, message in found:
                    problems.append(RowError(line, field_name or "row", message))
                if clean is not None:
                    batch.append((line, clean))
            if bar is not None:
                bar.update(len(done))
            if not result.errors and not problems:
                yield batch
    finally:
        if bar is not None:
            bar.close()
    result.rows = validator.rows_read
    if not result.errors and not problems and result.rows == 0:
        problems.append(RowError(1, "file", "no referrals in the file."))
    if result.errors or problems:
        raise _Rejected


def _take_outcome(result: ImportResult, outcome) -> None:
    result.imported = outcome.imported
    result.identifiers = outcome.identifiers
    result.referral_ids = outcome.referral_ids
    result.deconfliction_matches = outcome.deconfliction_matches
    result.duplicates = [
        DuplicateRow(d.line, d.source_agency, d.source_reference, d.reason)
        for d in outcome.duplicates
    ]

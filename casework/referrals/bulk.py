"""Bulk intake: many referrals received in one transaction (``referrals_receive_bulk``).

The same write path as ``referral_receive``, in bulk: the rows are built by the same
``services.referral_row`` and ``services.identifier_row`` from referrals cleaned by the same
``validation.clean_referral``, and a referral already recorded is a duplicate arrival, not an
error. What differs is only how the rows reach PostgreSQL: batches streamed with ``COPY`` as
they arrive (so a caller can validate the next batch while PostgreSQL stores this one, and a
builder thread makes this batch's data keys and encrypts its identifiers meanwhile),
identifiers deconflicted in one set-based lookup, and one audit event for the whole intake
naming the counts and the id range (the ledger's change capture still records every row).

Speed matters (a source's backlog can be 100,000 reports); docs/performance.md, "Issue 26:
margins", says where the time goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Model
from django.utils import timezone

from casework.accounts.models import Unit, User
from casework.audit.services import audit_record
from casework.core import events
from casework.core.bulk import copy_rows
from casework.privacy.crypto import fingerprint
from casework.privacy.models import KeyScope
from casework.privacy.services import NewDataKeys, data_keys_make, data_keys_write

from . import deconfliction
from .choices import IntakeChannel, ReferralStatus
from .clocks import triage_clock
from .models import DuplicateArrival, Referral, ReferralIdentifier
from .services import identifier_row, referral_row
from .validation import CleanReferral

# One row of a bulk intake: its position in the source (a file's line) and the clean referral.
Row = tuple[int, CleanReferral]


@dataclass(frozen=True)
class BulkDuplicate:
    """A row not imported: its report is already recorded, or repeats an earlier row."""

    line: int
    source_agency: str
    source_reference: str
    original_id: int | None  # the recorded referral (None: it repeats a row new in this intake)
    received_at: Any = None
    earlier_line: int | None = None  # set when it repeats an earlier row of the same intake

    @property
    def reason(self) -> str:
        if self.earlier_line is not None:
            return f"repeats line {self.earlier_line}"
        return f"already recorded (referral {self.original_id})"


@dataclass
class BulkReceiveResult:
    rows: int = 0
    referral_ids: list[int] = field(default_factory=list)
    identifiers: int = 0
    duplicates: list[BulkDuplicate] = field(default_factory=list)
    deconfliction_matches: int = 0
    imported: int = 0


class _Sorter:
    """Sorts rows into new referrals and duplicates, batch by batch, with the same rules for a
    preview (dry run) as for the intake: a report (agency, reference) already recorded, or
    seen on an earlier row, is a duplicate; one query per batch finds the recorded ones."""

    def __init__(self) -> None:
        self.first_line: dict[tuple[str, str], int] = {}
        self.recorded: dict[tuple[str, str], int] = {}
        self.result = BulkReceiveResult()

    def sort(self, batch: Sequence[Row]) -> list[Row]:
        self.result.rows += len(batch)
        fresh: list[Row] = []
        repeats: list[tuple[Row, int]] = []
        for line, clean in batch:
            key = clean.source_key
            earlier = self.first_line.get(key)
            if earlier is None:
                self.first_line[key] = line
                fresh.append((line, clean))
            else:
                repeats.append(((line, clean), earlier))
        self.recorded.update(_recorded([clean.source_key for _, clean in fresh]))
        new: list[Row] = []
        for line, clean in fresh:
            original = self.recorded.get(clean.source_key)
            if original is None:
                new.append((line, clean))
            else:
                self.result.duplicates.append(
                    BulkDuplicate(
                        line,
                        clean.source_agency,
                        clean.source_reference,
                        original,
                        received_at=clean.received_at,
                    )
                )
        for (line, clean), earlier in repeats:
            self.result.duplicates.append(
                BulkDuplicate(
                    line,
                    clean.source_agency,
                    clean.source_reference,
                    self.recorded.get(clean.source_key),
                    received_at=clean.received_at,
                    earlier_line=earlier,
                )
            )
        self.result.identifiers += sum(len(clean.identifiers) for _, clean in new)
        return new


def _recorded(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Already-recorded (agency, reference) pairs among ``keys``, with their referral's id."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT r.source_agency, r.source_reference, r.id
              FROM {Referral._meta.db_table} AS r
              JOIN unnest(%s::text[], %s::text[]) AS k(agency, reference)
                ON r.source_agency = k.agency AND r.source_reference = k.reference
            """,
            [[agency for agency, _ in keys], [reference for _, reference in keys]],
        )
        return {(agency, reference): pk for agency, reference, pk in cursor.fetchall()}


def referrals_bulk_preview(*, batches: Iterable[Sequence[Row]]) -> BulkReceiveResult:
    """What ``referrals_receive_bulk`` would do with ``batches``, writing nothing: the counts
    and the duplicates (``referral_ids`` stays empty; ``imported`` says how many)."""
    sorter = _Sorter()
    for batch in batches:
        sorter.result.imported += len(sorter.sort(batch))
    sorter.result.duplicates.sort(key=lambda duplicate: duplicate.line)
    return sorter.result


class _Copier:
    """The columns of a table and the values a row does not give, from the model: a field
    added later is written with its default, as ``Model.objects.create`` would write it."""

    def __init__(self, model: type[Model], **fixed: Any) -> None:
        self.table = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = {f.attname: f.get_default() for f in fields if not callable(f.default)}
        self.defaults.update(fixed)
        self.per_row = [f for f in fields if callable(f.default) and f.attname not in fixed]

    def row(self, values: dict[str, Any]) -> list[Any]:
        for f in self.per_row:
            if f.attname not in values:
                values[f.attname] = f.get_default()
        defaults = self.defaults
        return [values[name] if name in values else defaults[name] for name in self.attnames]


class _RowWriter:
    """Turns one clean referral into the rows ``COPY`` writes, for one intake."""

    def __init__(self, *, unit: Unit, actor: User | None, channel: str) -> None:
        now = timezone.now()
        self.unit_id = unit.pk
        self.actor_id = actor.pk if actor is not None else None
        self.channel = channel
        self.triage_due = triage_clock(unit=unit)  # the rules, read once for the whole intake
        self.referrals = _Copier(
            Referral, created_at=now, updated_at=now, status=ReferralStatus.NEW.value
        )
        self.referral_columns = [Referral._meta.pk.column, *self.referrals.columns]
        self.identifiers = _Copier(
            ReferralIdentifier, created_at=now, updated_at=now, match_count=0
        )

    def referral(self, clean: CleanReferral, *, referral_id: int) -> list[Any]:
        """The referral's row (its id first), in column order, from the values
        ``referral_receive`` also stores (``referral_row``). In the calling thread: the due
        time may read the unit's calendar."""
        values = referral_row(
            clean,
            unit_id=self.unit_id,
            actor_id=self.actor_id,
            channel=self.channel,
            triage_due=self.triage_due,
        )
        return [referral_id, *self.referrals.row(values)]

    def keys_and_identifiers_of(
        self, new: Sequence[Row], ids: Sequence[int]
    ) -> tuple[NewDataKeys, list[list]]:
        """A new data key per referral of a batch (its ids were just reserved), and the
        identifier rows in column order, from the values ``referral_receive`` also stores
        (``identifier_row``), each encrypted under its referral's key. Pure Python, no query:
        it runs in the builder thread."""
        keys = data_keys_make(KeyScope.REFERRAL, ids)
        row = self.identifiers.row
        return keys, [
            row(
                {
                    "referral_id": referral_id,
                    **identifier_row(
                        item, referral_id=referral_id, cipher=keys.ciphers[referral_id]
                    ),
                }
            )
            for referral_id, (_, clean) in zip(ids, new, strict=True)
            for item in clean.identifiers
        ]


def _refuse_query(execute, sql, params, many, context):
    raise RuntimeError("the import's builder thread must not query the database")


class _Builder:
    """Encrypts and lays out a batch's identifiers in a thread of its own while the calling
    thread copies the previous rows: the cipher and fingerprints are the import's largest
    Python cost, and without this PostgreSQL sat idle while they ran (psycopg releases the GIL
    while it waits on a ``COPY``; docs/performance.md, "Eighth session"). The thread never
    touches the database: its own connection refuses every query, so nothing can escape the
    import's transaction."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-build")

    def submit(self, fn, *args) -> Future:
        return self._pool.submit(self._guarded, fn, *args)

    @staticmethod
    def _guarded(fn, *args):
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(_refuse_query):
            return fn(*args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _reserve_ids(count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Referral._meta.db_table, Referral._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def referrals_receive_bulk(
    *,
    actor: User | None,
    unit: Unit,
    batches: Iterable[Sequence[Row]],
    source: str,
    channel: str = IntakeChannel.IMPORT,
) -> BulkReceiveResult:
    """Receive many referrals into ``unit`` in one transaction, batch by batch.

    ``batches`` yields lists of (line, clean referral); each batch is sorted (new or duplicate)
    and written before the next is asked for, so a caller that validates lazily overlaps its
    work with PostgreSQL's. An exception raised by ``batches`` rolls everything back (a file
    with an invalid row is all or nothing). ``actor`` is None for the system (a command run
    without ``--actor``). Publishes ``ReferralsReceivedBulk`` once,
    and writes one ``referral.import`` audit event naming ``source``.
    """
    writer = _RowWriter(unit=unit, actor=actor, channel=channel)
    sorter = _Sorter()
    result = sorter.result
    id_by_key: dict[tuple[str, str], int] = {}
    pairs: dict[tuple[str, str], None] = {}
    builder = _Builder()
    built: Future | None = None  # the previous batch's identifier rows, being built
    try:
        for batch in batches:
            new = sorter.sort(batch)
            if not new:
                continue
            ids = _reserve_ids(len(new))
            # This batch's data keys are made and its identifiers encrypted in the builder
            # thread while its referrals, then the previous batch's keys and identifiers, are
            # copied: the writing thread does as little Python as it can, since PostgreSQL
            # waits for it.
            building = builder.submit(writer.keys_and_identifiers_of, new, ids)
            referral_rows = [
                writer.referral(clean, referral_id=referral_id)
                for referral_id, (_, clean) in zip(ids, new, strict=True)
            ]
            copy_rows(writer.referrals.table, writer.referral_columns, referral_rows)
            if built is not None:
                _copy_built(writer, *built.result())
            built = building
            for referral_id, (_, clean) in zip(ids, new, strict=True):
                id_by_key[clean.source_key] = referral_id
                pairs.update(dict.fromkeys((item.kind, item.normal) for item in clean.identifiers))
            result.referral_ids.extend(ids)
        if built is not None:
            _copy_built(writer, *built.result())
    finally:
        builder.close()
    result.imported = len(result.referral_ids)
    result.duplicates.sort(key=lambda duplicate: duplicate.line)
    _record_arrivals(result, id_by_key=id_by_key, actor=actor, unit=unit)
    ids = result.referral_ids
    if ids:
        matches = deconfliction.deconflict_many(
            actor=actor, pairs=list(pairs), context_label=f"import {source}"
        )
        result.deconfliction_matches = _record_match_counts(ids, matches)
    audit_record(
        actor=actor,
        action="referral.import",
        object_type=Referral._meta.label_lower,
        details={
            "file": source,
            "unit": unit.code,
            "rows": result.rows,
            "imported": len(ids),
            "identifiers": result.identifiers,
            "duplicates": len(result.duplicates),
            "first_id": min(ids) if ids else None,
            "last_id": max(ids) if ids else None,
        },
    )
    if ids:
        events.publish(events.ReferralsReceivedBulk(referral_ids=ids, actor=actor, unit=unit))
    return result


def _copy_built(writer: _RowWriter, keys: NewDataKeys, identifiers: list[list]) -> None:
    data_keys_write(keys)
    # The identifiers' ids come from their table's own sequence.
    copy_rows(writer.identifiers.table, writer.identifiers.columns, identifiers)


def _record_arrivals(result: BulkReceiveResult, *, id_by_key, actor, unit) -> None:
    """A ``DuplicateArrival`` per duplicate row, linked to the referral it repeats: those
    already recorded first, then repeats within the intake, each in line order."""
    now = timezone.now()
    ordered = [d for d in result.duplicates if d.earlier_line is None] + [
        d for d in result.duplicates if d.earlier_line is not None
    ]
    DuplicateArrival.objects.bulk_create(
        [
            DuplicateArrival(
                referral_id=(id_by_key.get((d.source_agency, d.source_reference)) or d.original_id),
                arrived_at=now,
                channel=IntakeChannel.IMPORT,
                received_at=d.received_at,
                recorded_by=actor,
                unit=unit,
            )
            for d in ordered
        ],
        batch_size=5000,
    )


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

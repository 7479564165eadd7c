"""Bulk loading with PostgreSQL COPY, shaped by the project's models.

The generator never writes table or column names by hand: ``ModelCopy`` reads them from the
Django model, so when an app adds a field the loader either fills it (a default, NULL, or the
empty string for a blank text field) or stops with a message naming the field the generator
must now provide. Rows go to the server as COPY text built in Python (a few microseconds a row),
in large chunks, while the server parses them on the other core.

For tables of millions of rows the secondary indexes are dropped before COPY and rebuilt after
(``deferred_indexes``): building an index once is several times cheaper than updating it per row.
The definitions are read from ``pg_indexes`` and replayed verbatim, so the schema ends exactly as
migrations left it.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models

CHUNK_BYTES = 1 << 20

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


class GeneratorOutOfDate(Exception):
    """A model gained a required field that the generator does not fill yet."""


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        # Most generated text needs no escaping; the search is cheaper than translate().
        return value.translate(_ESCAPES) if _NEEDS_ESCAPE(value) else value
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):  # TextChoices members
        return copy_text(str(value))
    if isinstance(value, int | float | Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True).translate(_ESCAPES)
    if isinstance(value, bytes | memoryview):
        return "\\\\x" + bytes(value).hex()
    raise TypeError(f"cannot COPY a {type(value).__name__}")


@dataclass
class ModelCopy:
    """Which columns a COPY into ``model`` writes, and constants for those the generator skips.

    ``provided`` are the attnames (``unit_id``, ``number``) the generator's rows give, in order.
    Every other concrete column gets its model default, NULL when nullable, or '' when it is a
    blank text field; anything else raises ``GeneratorOutOfDate``.
    """

    model: type[models.Model]
    provided: Sequence[str]
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Generated columns (a search vector) are computed by PostgreSQL and cannot be written.
        concrete = [f for f in self.model._meta.concrete_fields if not getattr(f, "generated", 0)]
        known = {f.attname for f in concrete}
        unknown = [name for name in self.provided if name not in known]
        if unknown:
            raise GeneratorOutOfDate(
                f"{self.model._meta.label} has no column(s) {', '.join(unknown)}: "
                "the generator is out of date with the model."
            )
        self.columns: list[str] = [
            self.model._meta.get_field(_field_name(self.model, n)).column for n in self.provided
        ]
        tail: list[str] = []
        for f in concrete:
            if f.attname in self.provided:
                continue
            tail.append(copy_text(self._constant_for(f)))
            self.columns.append(f.column)
        self.tail = "".join("\t" + value for value in tail)

    def _constant_for(self, f: models.Field) -> Any:
        if f.attname in self.overrides:
            return self.overrides[f.attname]
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            return _LOAD_TIME
        if f.has_default():
            value = f.get_default()
            if isinstance(f, models.JSONField):
                return value
            if isinstance(f, ArrayField):
                return "{" + ",".join(copy_text(v) for v in value) + "}"
            return f.get_db_prep_save(value, connection)
        if f.null:
            return None
        if f.blank and isinstance(f, models.CharField | models.TextField):
            return ""
        raise GeneratorOutOfDate(
            f"{self.model._meta.label}.{f.name} is required and has no default: "
            f"add it to the generator module that loads {self.model._meta.label}."
        )

    @classmethod
    def present(cls, model: type[models.Model], names: Iterable[str], **kwargs: Any) -> ModelCopy:
        """A copier for those of ``names`` the model has today (apps grow while we measure)."""
        known = {f.attname for f in model._meta.concrete_fields}
        return cls(model, [name for name in names if name in known], **kwargs)

    def load_dicts(self, rows: Iterable[dict[str, Any]]) -> int:
        """COPY rows given as dicts; keys the model does not have (yet) are ignored, and a
        provided column missing from a row gets the column's default (as in ``__post_init__``)."""
        fallbacks = []
        for name in self.provided:
            field = self.model._meta.get_field(_field_name(self.model, name))
            try:
                fallbacks.append(self._constant_for(field))
            except GeneratorOutOfDate:
                fallbacks.append(None)
        pairs = list(zip(self.provided, fallbacks, strict=True))
        return self.load(tuple(row.get(name, fallback) for name, fallback in pairs) for row in rows)

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def load(self, rows: Iterable[Sequence[Any]], *, cursor=None) -> int:
        """COPY ``rows`` (tuples in ``provided`` order); returns the number of rows."""
        return self.load_lines(("\t".join([copy_text(v) for v in row]) for row in rows), cursor)

    def load_lines(self, lines: Iterable[str], cursor=None) -> int:
        """COPY ready-made text lines (the ``provided`` columns, tab-separated, escaped, no
        newline): the fast path for the largest tables, whose generators format rows directly."""
        quoted = ", ".join(f'"{column}"' for column in self.columns)
        statement = f'COPY "{self.table}" ({quoted}) FROM STDIN'
        count = 0
        tail = self.tail + "\n"
        with _cursor(cursor) as cur, cur.copy(statement) as copy:
            buffer: list[str] = []
            size = 0
            for line in lines:
                line += tail
                buffer.append(line)
                size += len(line)
                count += 1
                if size >= CHUNK_BYTES:
                    copy.write("".join(buffer).encode())
                    buffer.clear()
                    size = 0
            if buffer:
                copy.write("".join(buffer).encode())
        return count


_LOAD_TIME = datetime.now().astimezone()


def _field_name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    return attname


@contextlib.contextmanager
def _cursor(cursor=None) -> Iterator[Any]:
    if cursor is not None:
        yield cursor
        return
    with connection.cursor() as wrapper:
        # Django's wrapper hides psycopg's copy(); the raw cursor underneath has it.
        yield wrapper.cursor


def next_id(model: type[models.Model]) -> int:
    """The first free primary key, so a load can follow existing rows (tests, --reuse)."""
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT COALESCE(MAX("{model._meta.pk.column}"), 0) FROM "{model._meta.db_table}"'
        )
        return cur.fetchone()[0] + 1


def reset_sequence(model: type[models.Model]) -> None:
    """Move the id sequence past the loaded rows so the application's own inserts still work."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), "
            f'COALESCE((SELECT MAX("{pk}") FROM "{table}"), 0) + 1, false)',
            [f'"{table}"', pk],
        )


@contextlib.contextmanager
def deferred_indexes(*models_: type[models.Model], enabled: bool = True) -> Iterator[None]:
    """Drop secondary (non-constraint) indexes of these tables, yield, then rebuild them."""
    if not enabled:
        yield
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        definitions = cur.fetchall()
        for name, _ in definitions:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cur:
        # Foreign keys are checked at commit; run those checks now, as CREATE INDEX refuses
        # to run with checks pending (and a broken reference should fail here, by its name).
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in definitions:
            cur.execute(definition)


@dataclass
class Timer:
    """Rows loaded and seconds spent per table, for the generator's summary and rates."""

    entries: list[tuple[str, int, float]] = field(default_factory=list)

    @contextlib.contextmanager
    def measure(self, label: str, rows: Callable[[], int] | None = None) -> Iterator[list[int]]:
        counter = [0]
        started = time.perf_counter()
        yield counter
        self.entries.append((label, counter[0], time.perf_counter() - started))

"""Bulk writes with PostgreSQL ``COPY``, for imports.

``bulk_create`` compiles an INSERT with a parameter per value, which for tens of thousands of
rows costs more in Python than the database spends storing them. ``COPY`` streams the rows
instead. Database triggers (the audit capture) fire for copied rows as for inserted ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], progress=None):
    """Stream ``rows`` (tuples in ``columns`` order) into ``table``; ``progress.update(1)`` each."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    # Through Django's error wrapper, as ``execute`` is (psycopg's ``copy`` goes round it): a
    # refused row raises ``django.db.IntegrityError`` or ``DataError``, as an INSERT would.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            if progress is not None:
                progress.update(1)

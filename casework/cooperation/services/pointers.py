"""Our pointers: which identifiers may be shared, their normal values (decrypted for export
only), their fingerprints under a group key and the handles partners know them by.

Ten million identifiers at national scale: rows are read through a server-side cursor in
batches and written with COPY and one set-based upsert, never a query per row. Tables are named
from the models (``table``), so a renamed table cannot leave a query behind.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterator
from typing import NamedTuple

from django.db import connection

from casework.cases.models import Case, CaseIdentifier
from casework.privacy.crypto import UNREADABLE, associated_data, decrypt
from casework.privacy.selectors import ciphers_for

from .. import conf
from ..models import OutgoingPointer, SharingUnit

STREAM_BATCH = 20_000


def table(model) -> str:
    """The model's table, quoted for SQL written by hand."""
    return connection.ops.quote_name(model._meta.db_table)


def fingerprint(secret: bytes, kind: str, normal_value: str) -> bytes:
    """HMAC-SHA-256 under the group key over ``kind``, a NUL byte, and the normal value."""
    return hmac.digest(secret, f"{kind}\x00{normal_value}".encode(), "sha256")


class ExportRow(NamedTuple):
    identifier_id: int
    unit_id: int
    kind: str
    normal_value: str
    handle: uuid.UUID | None
    fingerprint_key_id: str | None


# -- The one place normal values are read for export: decrypted under each case's data key ----

# Shareable: an identifier of a case that is not closed, in a unit that opted in. The rule lives
# here (export and ``forget_unshareable``) and in docs/cooperation.md.
SHAREABLE_JOINS = f"""FROM {table(CaseIdentifier)} ci
JOIN {table(Case)} c ON c.id = ci.case_id
JOIN {table(SharingUnit)} su ON su.unit_id = c.unit_id AND su.active"""

_EXPORT_SQL = f"""
SELECT ci.id, c.unit_id, ci.kind, ci.normal_value_ct, op.handle, op.fingerprint_key_id,
       ci.case_id, ci.fingerprint
{SHAREABLE_JOINS}
LEFT JOIN {table(OutgoingPointer)} op ON op.identifier_id = ci.id
WHERE c.status <> 'closed' {{missing}}
ORDER BY ci.id
"""


def case_identifiers_for_export(*, missing_under: str | None = None) -> Iterator[tuple]:
    """Every identifier that may be shared (open cases of opted-in units), with the handle and
    key id our last export gave it, as ``ExportRow``'s fields in order (plain tuples: ten
    million of them). ``missing_under``: only those without a fingerprint under that group key
    id."""
    missing = ""
    params: list = []
    if missing_under is not None:
        missing = "AND (op.identifier_id IS NULL OR op.fingerprint_key_id <> %s)"
        params = [missing_under]
    with connection.cursor() as cursor:
        # Every row is read, so plan for all of them, not PostgreSQL's default first tenth: the
        # fast-start plan re-reads the outgoing pointers for each identifier, and the export
        # writes into that table as it goes (quadratic; over 25 minutes at 10M identifiers).
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor.execute(
            "DECLARE coop_export NO SCROLL CURSOR FOR " + _EXPORT_SQL.format(missing=missing),
            params,
        )
        while True:
            cursor.execute(f"FETCH {STREAM_BATCH} FROM coop_export")
            rows = cursor.fetchall()
            if not rows:
                break
            yield from _with_normal_values(rows)
        cursor.execute("CLOSE coop_export")


def _with_normal_values(rows: list[tuple]) -> Iterator[tuple]:
    """``ExportRow``s from a batch of the export query: each identifier's normal value
    decrypted under its case's data key (one query for the batch's keys). An identifier whose
    key was destroyed (a disposed case), or whose ciphertext does not open, is left out."""
    columns = CaseIdentifier.privacy_columns()
    ciphers = ciphers_for(CaseIdentifier.privacy_scope, {row[6] for row in rows})
    for identifier_id, unit_id, kind, normal_ct, handle, key_id, case_id, row_fp in rows:
        aead = ciphers.get(case_id)
        if aead is None:
            continue
        normal = decrypt(
            aead,
            bytes(normal_ct),
            associated_data(columns.table, columns.normal, f"case:{case_id}", bytes(row_fp)),
        )
        if normal != UNREADABLE:
            yield identifier_id, unit_id, kind, normal, handle, key_id


# -- Writing our pointers ---------------------------------------------------------------------


def copy_rows(table_name: str, columns: str, rows: list[tuple]) -> None:
    if not rows:
        return
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table_name} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def outgoing_copy(rows: list[tuple]) -> None:
    """New pointers ``(identifier_id, handle, fingerprint, fingerprint_key_id)``, copied straight
    in (the export's advisory lock means no one else writes them meanwhile)."""
    copy_rows(
        table(OutgoingPointer), "identifier_id, handle, fingerprint, fingerprint_key_id", rows
    )


def outgoing_upsert(rows: list[tuple], key_id: str) -> None:
    """Store ``(identifier_id, handle, fingerprint)`` rows as our outgoing pointers: COPY into a
    temporary table, then one set-based upsert (ten million rows at national scale)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS coop_new_pointer (identifier_id bigint, handle uuid, "
            "fingerprint bytea) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE coop_new_pointer")
    copy_rows("coop_new_pointer", "identifier_id, handle, fingerprint", rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(OutgoingPointer)} (identifier_id, handle, fingerprint, "
            "fingerprint_key_id) SELECT identifier_id, handle, fingerprint, %s FROM "
            "coop_new_pointer ON CONFLICT (identifier_id) DO UPDATE SET fingerprint = "
            "EXCLUDED.fingerprint, fingerprint_key_id = EXCLUDED.fingerprint_key_id",
            [key_id],
        )


def outgoing_forget_unshareable() -> None:
    """Identifiers no longer shareable (case closed, unit opted out) lose their pointer."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table(OutgoingPointer)} op WHERE NOT EXISTS ("
            f"SELECT 1 {SHAREABLE_JOINS} WHERE ci.id = op.identifier_id AND c.status <> 'closed')"
        )


def fingerprint_missing(key_id: str) -> None:
    """Fingerprint under group key ``key_id`` every shareable identifier not yet done."""
    group = conf.group_key(key_id)
    if group is None:
        return
    fresh: list[tuple] = []
    for row in map(ExportRow._make, case_identifiers_for_export(missing_under=key_id)):
        fp = fingerprint(group.secret, row.kind, row.normal_value)
        fresh.append((row.identifier_id, row.handle or uuid.uuid4(), fp))
        if len(fresh) >= STREAM_BATCH:
            outgoing_upsert(fresh, key_id)
            fresh = []
    outgoing_upsert(fresh, key_id)

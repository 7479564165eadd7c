"""Encrypting the identifier values already stored, for the migrations of cases and referrals.

Batched by primary key (5,000 rows a batch: one SELECT, the cipher in this process, one
``UPDATE … FROM unnest(…)``), so the national databases (3M identifiers) migrate in minutes
with bounded memory, and a migration stopped half-way picks up where it stopped (rows already
fingerprinted are skipped). AES-GCM cannot run inside PostgreSQL (pgcrypto has no GCM), so
the cipher runs here. It uses the running code's key services, not historical models: the data
key table is created by ``privacy.0001`` just before and the migration only adds rows to it.

The capture trigger of the table still lists the columns it had when the migration began, so
filling the new columns writes no ledger event and the plaintext columns are then dropped
without one either: the ledger gains no copy of the values (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass

BATCH = 5000


@dataclass(frozen=True)
class Layout:
    table: str
    scope: str
    owner: str  # the owner's id column
    raw: str
    normal: str
    raw_ct: str
    normal_ct: str


def encrypt_existing(connection, layout: Layout, *, batch: int = BATCH) -> int:
    from .crypto import IdentifierColumns, protect_identifier
    from .services import data_keys_ensure

    columns = IdentifierColumns(layout.table, layout.raw_ct, layout.normal_ct)
    done, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {layout.owner}, kind, service, {layout.raw}, {layout.normal} "
                f"FROM {layout.table} WHERE id > %s AND fingerprint IS NULL ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            ciphers = data_keys_ensure(layout.scope, {row[1] for row in rows})
            ids, raw_cts, normal_cts, fps, name_fps = [], [], [], [], []
            for pk, owner_id, kind, service, raw, normal in rows:
                protected = protect_identifier(
                    columns=columns,
                    owner=f"{layout.scope}:{owner_id}",
                    aead=ciphers[owner_id],
                    kind=kind,
                    raw=raw,
                    normal=normal,
                    service=service,
                )
                ids.append(pk)
                raw_cts.append(protected.raw_ct)
                normal_cts.append(protected.normal_ct)
                fps.append(protected.fingerprint)
                name_fps.append(protected.name_fingerprint)
            cursor.execute(
                f"UPDATE {layout.table} AS t SET {layout.raw_ct} = v.r, "
                f"{layout.normal_ct} = v.n, fingerprint = v.f, name_fingerprint = v.nf "
                "FROM unnest(%s::bigint[], %s::bytea[], %s::bytea[], %s::bytea[], %s::bytea[]) "
                "AS v(id, r, n, f, nf) WHERE t.id = v.id",
                [ids, raw_cts, normal_cts, fps, name_fps],
            )
            done += len(rows)
            last = rows[-1][0]


def decrypt_existing(connection, layout: Layout, *, batch: int = BATCH) -> int:
    """The way back: the plaintext columns filled again from the ciphertext (a destroyed data
    key leaves "[disposed]")."""
    from .crypto import IdentifierColumns, reveal_identifier
    from .selectors import ciphers_for

    columns = IdentifierColumns(layout.table, layout.raw_ct, layout.normal_ct)
    done, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {layout.owner}, fingerprint, {layout.raw_ct}, {layout.normal_ct} "
                f"FROM {layout.table} WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            ciphers = ciphers_for(layout.scope, {row[1] for row in rows})
            ids, raws, normals = [], [], []
            for pk, owner_id, row_fp, raw_ct, normal_ct in rows:
                raw, normal = reveal_identifier(
                    columns=columns,
                    owner=f"{layout.scope}:{owner_id}",
                    aead=ciphers.get(owner_id),
                    row_fp=row_fp,
                    raw_ct=raw_ct,
                    normal_ct=normal_ct,
                )
                ids.append(pk)
                raws.append(raw)
                normals.append(normal)
            cursor.execute(
                f"UPDATE {layout.table} AS t SET {layout.raw} = v.r, {layout.normal} = v.n "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, r, n) "
                "WHERE t.id = v.id",
                [ids, raws, normals],
            )
            done += len(rows)
            last = rows[-1][0]


@dataclass(frozen=True)
class TextLayout:
    """A table whose free-text columns move to ciphertext: ``columns`` pairs each plaintext
    column with its ciphertext column; ``owner`` is the owner's id column."""

    table: str
    scope: str
    owner: str
    columns: tuple[tuple[str, str], ...]


def _text_aad(layout: TextLayout, ct_column: str, owner_id: int) -> bytes:
    from .crypto import associated_data

    return associated_data(layout.table, ct_column, f"{layout.scope}:{owner_id}", b"")


def encrypt_texts_existing(connection, layout: TextLayout, *, batch: int = BATCH) -> int:
    """Fill the ciphertext columns from the plaintext ones, batch by batch (keyset on id, one
    SELECT and one ``UPDATE … FROM unnest`` a batch). Empty texts stay NULL. Resumable: a row
    whose ciphertexts are all set is not read again."""
    from .crypto import encrypt
    from .services import data_keys_ensure

    plain = [p for p, _ in layout.columns]
    cts = [c for _, c in layout.columns]
    pending = " OR ".join(f"(COALESCE({p}, '') <> '' AND {c} IS NULL)" for p, c in layout.columns)
    done, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {layout.owner}, {', '.join(plain)} FROM {layout.table} "
                f"WHERE id > %s AND ({pending}) ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            ciphers = data_keys_ensure(layout.scope, {row[1] for row in rows})
            values: list[list] = [[] for _ in cts]
            for row in rows:
                owner_id, texts = row[1], row[2:]
                aead = ciphers[owner_id]
                for i, text in enumerate(texts):
                    values[i].append(
                        encrypt(aead, text, _text_aad(layout, cts[i], owner_id))
                        if text and aead is not None
                        else None
                    )
            sets = ", ".join(f"{c} = v.c{i}" for i, c in enumerate(cts))
            casts = ", ".join("%s::bytea[]" for _ in cts)
            names = ", ".join(f"c{i}" for i in range(len(cts)))
            cursor.execute(
                f"UPDATE {layout.table} AS t SET {sets} FROM unnest(%s::bigint[], {casts}) "
                f"AS v(id, {names}) WHERE t.id = v.id",
                [[row[0] for row in rows], *values],
            )
            done += len(rows)
            last = rows[-1][0]


def decrypt_texts_existing(connection, layout: TextLayout, *, batch: int = BATCH) -> int:
    """The way back: the plaintext columns filled again from the ciphertext."""
    from .crypto import DISPOSED, decrypt
    from .selectors import ciphers_for

    plain = [p for p, _ in layout.columns]
    cts = [c for _, c in layout.columns]
    done, last = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, {layout.owner}, {', '.join(cts)} FROM {layout.table} "
                f"WHERE id > %s ORDER BY id LIMIT %s",
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            ciphers = ciphers_for(layout.scope, {row[1] for row in rows})
            values: list[list] = [[] for _ in plain]
            for row in rows:
                owner_id, texts = row[1], row[2:]
                aead = ciphers.get(owner_id)
                for i, ciphertext in enumerate(texts):
                    if ciphertext is None:
                        values[i].append("")
                    elif aead is None:
                        values[i].append(DISPOSED)
                    else:
                        aad = _text_aad(layout, cts[i], owner_id)
                        values[i].append(decrypt(aead, ciphertext, aad))
            sets = ", ".join(f"{p} = v.p{i}" for i, p in enumerate(plain))
            casts = ", ".join("%s::text[]" for _ in plain)
            names = ", ".join(f"p{i}" for i in range(len(plain)))
            cursor.execute(
                f"UPDATE {layout.table} AS t SET {sets} FROM unnest(%s::bigint[], {casts}) "
                f"AS v(id, {names}) WHERE t.id = v.id",
                [[row[0] for row in rows], *values],
            )
            done += len(rows)
            last = rows[-1][0]

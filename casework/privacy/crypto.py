"""Field encryption (AES-256-GCM) and keyed fingerprints: every per-value operation in one place.

Each value gets its own random 96-bit nonce (a data key encrypts at most a case's worth of
values, far below GCM's 2**32 random-nonce bound). The associated data binds the ciphertext to
its table, column, owner (``case:42``) and the row's fingerprint, so a ciphertext moved to
another row, column or case does not decrypt. The fingerprint stands in for the row id: it is
known before the row is written (COPY and ``bulk_create`` write many rows without a round trip
for ids) and, with the owner, it names the row (``case_identifier_unique``).

The fingerprint is HMAC-SHA-256 under the installation's fingerprint key over
``kind NUL normal form``: equal values match across every case, yet without the key a guess
cannot be tested. The bulk import calls ``protect_identifiers`` once for a whole file.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.core.identifiers import SERVICE_QUALIFIED_KINDS, identifier_readings

from .keys import fingerprint_key

VERSION = b"\x01"
NONCE_BYTES = 12
# What a reader shows where a value's data key was destroyed (crypto-shredding) or a ciphertext
# does not open: plain words, never an error page.
DISPOSED = "[disposed]"
UNREADABLE = "[unreadable]"


_SHA256_BLOCK = 64
_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


@functools.lru_cache(maxsize=4)
def _hmac_pads(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states after the inner and outer padded key of HMAC (RFC 2104), hashed once per
    key: a fingerprint then costs two state copies and two short hashes, under half of what
    ``hmac.new`` costs per call (a bulk import computes one per identifier, and more)."""
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\x00")
    return (
        hashlib.sha256(key.translate(_INNER_PAD)),
        hashlib.sha256(key.translate(_OUTER_PAD)),
    )


def fingerprint(kind: str, normal: str) -> bytes:
    """The keyed fingerprint of a normalised identifier (what lookups and matching compare):
    HMAC-SHA-256, the same bytes as ``hmac.new(key, message, sha256).digest()``."""
    inner_pad, outer_pad = _hmac_pads(fingerprint_key())
    inner = inner_pad.copy()
    inner.update(f"{kind}\x00{normal}".encode())
    outer = outer_pad.copy()
    outer.update(inner.digest())
    return outer.digest()


def fingerprint_hex(kind: str, normal: str) -> str:
    """The fingerprint as the audit trail and notices carry it (never the value)."""
    return fingerprint(kind, normal).hex()


def associated_data(table: str, column: str, owner: str, row_fingerprint: bytes) -> bytes:
    return b"\x00".join((table.encode(), column.encode(), owner.encode(), row_fingerprint))


def encrypt(aead: AESGCM, plaintext: str, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + aead.encrypt(nonce, plaintext.encode(), aad)


def decrypt(aead: AESGCM, ciphertext: bytes, aad: bytes) -> str:
    """The plaintext; ``UNREADABLE`` when the ciphertext was altered or moved (never raises)."""
    data = bytes(ciphertext)
    if not data.startswith(VERSION):
        return UNREADABLE
    nonce, body = data[1 : 1 + NONCE_BYTES], data[1 + NONCE_BYTES :]
    try:
        return aead.decrypt(nonce, body, aad).decode()
    except (InvalidTag, ValueError, UnicodeDecodeError):
        return UNREADABLE


@dataclass(frozen=True)
class IdentifierColumns:
    """Where an identifier model keeps its protected values (table and column names)."""

    table: str
    raw: str
    normal: str


@dataclass(frozen=True)
class ProtectedIdentifier:
    raw_ct: bytes
    normal_ct: bytes
    fingerprint: bytes
    name_fingerprint: bytes | None


def name_fingerprint(kind: str, normal: str, service: str) -> bytes | None:
    """For a service-qualified name (``example-service:user_8812``), the fingerprint of the
    name alone read as the same kind, so a search for ``user_8812`` finds it under any service
    (what the index on the unqualified name did before values were encrypted)."""

    service = (service or "").strip()
    if kind not in SERVICE_QUALIFIED_KINDS or not service:
        return None
    return fingerprint(kind, normal[len(service) + 1 :])


def protect_identifier(
    *,
    columns: IdentifierColumns,
    owner: str,
    aead: AESGCM,
    kind: str,
    raw: str,
    normal: str,
    service: str = "",
) -> ProtectedIdentifier:
    """Encrypt and fingerprint one identifier for the row it will be written to."""
    row_fp = fingerprint(kind, normal)
    return ProtectedIdentifier(
        raw_ct=encrypt(aead, raw, associated_data(columns.table, columns.raw, owner, row_fp)),
        normal_ct=encrypt(
            aead, normal, associated_data(columns.table, columns.normal, owner, row_fp)
        ),
        fingerprint=row_fp,
        name_fingerprint=name_fingerprint(kind, normal, service),
    )


def protect_identifiers(
    *,
    columns: IdentifierColumns,
    rows: Iterable[tuple[str, AESGCM, str, str, str, str]],
) -> list[ProtectedIdentifier]:
    """The bulk form: ``rows`` of (owner, aead, kind, raw, normal, service). A plain loop: the
    cost is the cipher's (a few microseconds a value), not Python's."""
    return [
        protect_identifier(
            columns=columns,
            owner=owner,
            aead=aead,
            kind=kind,
            raw=raw,
            normal=normal,
            service=service,
        )
        for owner, aead, kind, raw, normal, service in rows
    ]


def reveal_identifier(
    *, columns: IdentifierColumns, owner: str, aead: AESGCM | None, row_fp: bytes, raw_ct, normal_ct
) -> tuple[str, str]:
    """(raw, normal) in clear, or the ``DISPOSED`` placeholder when the data key is gone."""
    if aead is None:
        return DISPOSED, DISPOSED
    row_fp = bytes(row_fp)
    return (
        decrypt(aead, raw_ct, associated_data(columns.table, columns.raw, owner, row_fp)),
        decrypt(aead, normal_ct, associated_data(columns.table, columns.normal, owner, row_fp)),
    )


def searched_text(text: str) -> dict[str, object]:
    """What the ledger keeps of a search box's text: the keyed fingerprint of every identifier
    the text reads as (``q_fingerprints``, the same values deconfliction events carry, so an
    auditor holding an identifier's fingerprint finds who searched for it) and its length,
    never the text: what people search for is mostly an e-mail address, a phone number or a
    name, and the ledger can never forget it."""

    return {
        "q_fingerprints": [
            fingerprint_hex(kind, normal) for kind, normal in identifier_readings(text)
        ],
        "q_length": len(text),
    }

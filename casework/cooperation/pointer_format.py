"""The signed pointer-set file: writing ours, reading a partner's. Specified in docs/cooperation.md.

Threat: a set that is not the partner's (forged, altered on the way, or truncated), and a
parser that a hostile file can crash or make store something PostgreSQL refuses. So the whole
file is hashed and the signature checked *before* any line is believed, every line is bounded
in length and checked field by field, and any fault refuses the whole set with its line.

Layout (UTF-8, one JSON object per line, each line ending in ``\\n``)::

    {"contacts":N,"count":M,"created":"…Z","fingerprint_key_id":"…","format":"casework-pointers",
     "issuer":"…","key_id":"…","version":1}
    {"agency":"…","email":"…","name":"…","phone":"…","ref":"c1","unit":"…"}   × N
    {"c":"c1","f":"<64 hex>","h":"<32 hex>"}                                   × M
    {"digest":"<64 hex>","signature":"<base64>"}

``digest`` is SHA-256 of every byte before the last line; ``signature`` is Ed25519 over
``casework-pointers/v1\\n`` followed by the digest in hex (ASCII).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from casework.core.errors import DomainError
from casework.core.validation import text_problem

FORMAT = "casework-pointers"
VERSION = 1
SIGNED_PREFIX = b"casework-pointers/v1\n"
MAX_LINE = 4096
BLOCK = 1024 * 1024
MAX_CONTACTS = 10_000
MAX_POINTERS = 50_000_000
_HEX64 = re.compile(r"[0-9a-f]{64}")
_POINTER_LINE = re.compile(
    rb'\{"c":"([A-Za-z0-9_-]{1,32})","f":"([0-9a-f]{64})","h":"([0-9a-f]{32})"\}\n'
)
_HEX32 = re.compile(r"[0-9a-f]{32}")
_REF = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_GROUP_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_HEADER_KEYS = {
    "contacts",
    "count",
    "created",
    "fingerprint_key_id",
    "format",
    "issuer",
    "key_id",
    "version",
}
_CONTACT_FIELDS = {"agency": 200, "unit": 200, "name": 200, "email": 254, "phone": 40}


class PointerSetError(DomainError):
    """A set refused whole, with the line and field at fault (``file:line: field: message``)."""

    def __init__(self, line: int, field: str, message: str, *, status: int = 400) -> None:
        self.line, self.field_name, self.detail = line, field, message
        super().__init__(f"line {line}: {message}", field=field, status=status)

    def located(self, path: str) -> str:
        return f"{path}:{self.line}: {self.field_name}: {self.detail}"


def canonical(obj: dict) -> bytes:
    return (
        json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode() + b"\n"
    )


def signed_message(digest_hex: str) -> bytes:
    return SIGNED_PREFIX + digest_hex.encode("ascii")


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Header:
    issuer: str
    key_id: str
    fingerprint_key_id: str
    created: datetime
    contacts: int
    count: int


@dataclass(frozen=True)
class Contact:
    ref: str
    agency: str
    unit: str
    name: str
    email: str
    phone: str


class SetWriter:
    """Writes one set to ``out``: header, contacts, pointers, signature, hashing as it goes."""

    def __init__(self, out: BinaryIO, key: Ed25519PrivateKey) -> None:
        self.out, self.key, self.hash = out, key, hashlib.sha256()

    def line(self, data: bytes) -> None:
        self.hash.update(data)
        self.out.write(data)

    def header(self, header: Header) -> None:
        self.line(
            canonical(
                {
                    "contacts": header.contacts,
                    "count": header.count,
                    "created": timestamp(header.created),
                    "fingerprint_key_id": header.fingerprint_key_id,
                    "format": FORMAT,
                    "issuer": header.issuer,
                    "key_id": header.key_id,
                    "version": VERSION,
                }
            )
        )

    def contact(self, contact: Contact) -> None:
        self.line(canonical({k: getattr(contact, k) for k in ("ref", *_CONTACT_FIELDS)}))

    def pointer(self, fingerprint: bytes, handle: uuid.UUID, ref: str) -> None:
        # Hand-written, not json.dumps: ten million lines, and the form is fixed.
        self.line(
            b'{"c":"%s","f":"%s","h":"%s"}\n'
            % (ref.encode(), fingerprint.hex().encode(), handle.hex.encode())
        )

    def finish(self) -> str:
        digest = self.hash.hexdigest()
        signature = base64.b64encode(self.key.sign(signed_message(digest))).decode()
        self.out.write(canonical({"digest": digest, "signature": signature}))
        return digest


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE:
            raise PointerSetError(number, "line", f"A line has at most {MAX_LINE} bytes.")
        if not raw.endswith(b"\n"):
            raise PointerSetError(number, "line", "The file ends without its last line break.")
        yield number, raw


def _object(number: int, raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PointerSetError(number, "line", "This line is not a JSON object in UTF-8.") from None
    if not isinstance(value, dict):
        raise PointerSetError(number, "line", "This line is not a JSON object.")
    return value


def _text(number: int, obj: dict, field: str, max_length: int, *, required: bool = True) -> str:
    value = obj.get(field, "")
    if not isinstance(value, str):
        raise PointerSetError(number, field, "Expected text.")
    if required and not value.strip():
        raise PointerSetError(number, field, "This is required.")
    problem = text_problem(value, max_length=max_length)
    if problem:
        raise PointerSetError(number, field, problem)
    return value.strip()


def _count(number: int, obj: dict, field: str, maximum: int) -> int:
    value = obj.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise PointerSetError(number, field, f"Expected a whole number from 0 to {maximum}.")
    return value


def _header(number: int, raw: bytes) -> Header:
    obj = _object(number, raw)
    if obj.get("format") != FORMAT:
        raise PointerSetError(number, "format", f"This is not a {FORMAT} file.")
    if obj.get("version") != VERSION:
        raise PointerSetError(number, "version", f"Only version {VERSION} is understood.")
    unknown = sorted(set(obj) - _HEADER_KEYS)
    if unknown:
        raise PointerSetError(number, unknown[0], "Unknown header field.")
    key_id = obj.get("key_id")
    if not isinstance(key_id, str) or not _KEY_ID.match(key_id):
        raise PointerSetError(number, "key_id", "Expected 16 lower-case hexadecimal digits.")
    group_key_id = obj.get("fingerprint_key_id")
    if not isinstance(group_key_id, str) or not _GROUP_KEY_ID.match(group_key_id):
        raise PointerSetError(
            number, "fingerprint_key_id", "Expected a key id (1–32 letters, digits, '.', '_', '-')."
        )
    created_text = obj.get("created")
    try:
        created = datetime.strptime(str(created_text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise PointerSetError(
            number, "created", "Expected a UTC time such as 2026-01-31T12:00:00Z."
        ) from None
    if not 2000 <= created.year <= 2200:
        raise PointerSetError(number, "created", "The time is out of range.")
    return Header(
        issuer=_text(number, obj, "issuer", 200),
        key_id=key_id,
        fingerprint_key_id=group_key_id,
        created=created,
        contacts=_count(number, obj, "contacts", MAX_CONTACTS),
        count=_count(number, obj, "count", MAX_POINTERS),
    )


def verify(stream: BinaryIO, key_for: Callable[[Header], Ed25519PublicKey]) -> tuple[Header, str]:
    """Pass one: read the header, hash every line before the last, check the last line's digest
    and signature with the key ``key_for(header)`` returns (it raises when the signer is not a
    trusted partner). Returns the header and the digest; raises ``PointerSetError``."""
    digest = hashlib.sha256()
    lines = list(itertools.islice(_lines(stream), 1))
    if not lines:
        raise PointerSetError(1, "file", "The file is empty.")
    header = _header(*lines[0])
    # The rest in large blocks (ten million lines): everything up to the last line break but
    # one is hashed; what follows it is the last line, the signature. Line lengths and breaks
    # are checked again, line by line, by ``read``.
    hashed, pending = 0, lines[0][1]
    while block := stream.read(BLOCK):
        data = pending + block
        cut = data.rfind(b"\n", 0, len(data) - 1)
        if cut >= 0:
            # Something follows this line break: all before it is not the last line.
            digest.update(data[: cut + 1])
            hashed += data.count(b"\n", 0, cut + 1)
            pending = data[cut + 1 :]
        else:
            pending = data
        if len(pending) > MAX_LINE + 1:
            raise PointerSetError(hashed + 1, "line", f"A line has at most {MAX_LINE} bytes.")
    number, last = hashed + 1, pending
    if not last.endswith(b"\n"):
        raise PointerSetError(number, "line", "The file ends without its last line break.")
    if number == 1:
        raise PointerSetError(
            1, "signature", "The set is not signed: its last line must be the signature."
        )
    obj = _object(number, last)
    if set(obj) != {"digest", "signature"}:
        raise PointerSetError(
            number, "signature", "The set is not signed: its last line must be the signature."
        )
    if obj["digest"] != digest.hexdigest():
        raise PointerSetError(
            number, "digest", "The file was altered: its digest does not match its content."
        )
    try:
        signature = base64.b64decode(str(obj["signature"]), validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    public_key = key_for(header)
    try:
        public_key.verify(signature, signed_message(digest.hexdigest()))
    except InvalidSignature:
        raise PointerSetError(
            number, "signature", "The signature does not verify with the partner's key."
        ) from None
    if number != 2 + header.contacts + header.count:
        raise PointerSetError(
            1,
            "count",
            f"The header promises {header.contacts} contacts and {header.count} pointers; "
            f"the file holds {number - 2} lines between header and signature.",
        )
    return header, digest.hexdigest()


def read(stream: BinaryIO, header: Header) -> Iterator[Contact | tuple[bytes, bytes, str]]:
    """Pass two, over a file ``verify`` accepted: yield each contact, then each pointer as
    ``(fingerprint in hex, handle in hex, contact ref)`` (ASCII bytes, as COPY takes them),
    checking every field."""
    refs: set[str] = set()
    expected_lines = 1 + header.contacts + header.count + 1
    for number, raw in _lines(stream):
        if number == 1:
            continue
        if number == expected_lines:
            break
        if number > expected_lines:
            break
        if number <= 1 + header.contacts:
            obj = _object(number, raw)
            ref = obj.get("ref")
            if not isinstance(ref, str) or not _REF.match(ref):
                raise PointerSetError(
                    number, "ref", "Expected a reference of 1–32 letters, digits, '_' or '-'."
                )
            if ref in refs:
                raise PointerSetError(number, "ref", f"The reference {ref!r} is used twice.")
            unknown = sorted(set(obj) - {"ref", *_CONTACT_FIELDS})
            if unknown:
                raise PointerSetError(number, unknown[0], "Unknown contact field.")
            refs.add(ref)
            fields = {
                field: _text(number, obj, field, limit, required=field in ("agency", "name"))
                for field, limit in _CONTACT_FIELDS.items()
            }
            yield Contact(ref=ref, **fields)
            continue
        # The form our writer emits, in one match; any other valid JSON is read field by field.
        canonical_line = _POINTER_LINE.fullmatch(raw)
        if canonical_line is not None:
            ref = canonical_line[1].decode()
            if ref not in refs:
                raise PointerSetError(number, "c", "No contact line above has this reference.")
            yield canonical_line[2], canonical_line[3], ref
            continue
        obj = _object(number, raw)
        if set(obj) != {"c", "f", "h"}:
            raise PointerSetError(number, "line", 'A pointer line has exactly "c", "f" and "h".')
        fingerprint, handle, ref = obj["f"], obj["h"], obj["c"]
        if not isinstance(fingerprint, str) or not _HEX64.fullmatch(fingerprint):
            raise PointerSetError(number, "f", "Expected 64 lower-case hexadecimal digits.")
        if not isinstance(handle, str) or not _HEX32.fullmatch(handle):
            raise PointerSetError(number, "h", "Expected 32 lower-case hexadecimal digits.")
        if not isinstance(ref, str) or ref not in refs:
            raise PointerSetError(number, "c", "No contact line above has this reference.")
        yield fingerprint.encode(), handle.encode(), ref

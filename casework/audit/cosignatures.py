"""Witness cosignatures on checkpoints (C2SP tlog-cosignature, Ed25519 ``cosignature/v1``).

A witness that checked a checkpoint extends what it saw before signs::

    cosignature/v1
    time <POSIX seconds>
    <the checkpoint's body: origin, size, root>

and returns a note signature line ``— <witness name> base64(key id || timestamp || sig)``,
where the key id is SHA-256(name || "\\n" || 0x04 || public key)[:4] and the timestamp is 8
bytes big-endian. Appended to the checkpoint, anyone holding the witness's verifier key
(``name+<hex key id>+base64(0x04 || public key)``) can check that an independent party saw
this tree, and no other, at that size.

Standard library plus ``cryptography`` only: the standalone verifier uses this module.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .notes import SIGNATURE_DASH, NoteError, raw_public_key

ALGORITHM_COSIGNATURE_V1 = b"\x04"


@dataclass(frozen=True)
class CosignerKey:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALGORITHM_COSIGNATURE_V1 + public_key).digest()[
        :4
    ]


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    raw = raw_public_key(key)
    encoded = base64.b64encode(ALGORITHM_COSIGNATURE_V1 + raw).decode()
    return f"{name}+{key_id(name, raw).hex()}+{encoded}"


def parse_verifier_key(text: str) -> CosignerKey:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        material = base64.b64decode(encoded, validate=True)
        identifier = bytes.fromhex(hex_id)
    except ValueError as error:
        raise NoteError(f"not a witness verifier key (name+keyid+base64): {error}") from None
    if material[:1] != ALGORITHM_COSIGNATURE_V1 or len(material) != 33:
        raise NoteError("the witness key is not an Ed25519 cosignature/v1 key (type 0x04)")
    if key_id(name, material[1:]) != identifier:
        raise NoteError("the witness key's id does not match its name and key")
    return CosignerKey(name, identifier, Ed25519PublicKey.from_public_bytes(material[1:]))


def message(body: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, private_key: Ed25519PrivateKey, *, name: str, timestamp: int) -> str:
    """The signature line (with its newline) of a cosignature on a checkpoint ``body``."""
    signature = private_key.sign(message(body, timestamp))
    identifier = key_id(name, raw_public_key(private_key.public_key()))
    blob = identifier + struct.pack(">Q", timestamp) + signature
    return f"{SIGNATURE_DASH}{name} {base64.b64encode(blob).decode()}\n"


def verify_line(body: str, line: str, key: CosignerKey) -> int | None:
    """The cosignature's timestamp if ``line`` is ``key``'s valid cosignature on ``body``;
    None when the line is by another key; raises NoteError when it is ``key``'s but wrong."""
    line = line.rstrip("\n")
    if not line.startswith(SIGNATURE_DASH):
        raise NoteError("a signature line starts with an em dash and a space")
    try:
        name, encoded = line[len(SIGNATURE_DASH) :].split(" ")
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise NoteError("a signature line is 'name base64'") from None
    if name != key.name or blob[:4] != key.key_id:
        return None
    if len(blob) != 4 + 8 + 64:
        raise NoteError(f"the cosignature by {name} is not 76 bytes")
    (timestamp,) = struct.unpack(">Q", blob[4:12])
    try:
        key.public_key.verify(blob[12:], message(body, timestamp))
    except InvalidSignature:
        raise NoteError(f"the cosignature by {name} does not verify") from None
    return timestamp


def verified_cosignatures(note: str, keys: list[CosignerKey]) -> dict[str, int]:
    """``{witness name: timestamp}`` for each of ``keys`` that validly cosigned ``note``.

    Lines by other keys are ignored, as the signed-note format requires; a line that claims
    one of ``keys`` and fails raises NoteError.
    """
    body, _, signatures = note.partition("\n\n")
    body += "\n"
    found: dict[str, int] = {}
    for line in signatures.split("\n"):
        if not line:
            continue
        for key in keys:
            timestamp = verify_line(body, line, key)
            if timestamp is not None:
                found[key.name] = timestamp
    return found

"""Signed checkpoints in the transparency-log checkpoint format (C2SP tlog-checkpoint).

A checkpoint is a signed note::

    casework.invalid/audit          <- origin, names the log
    1234                            <- tree size
    3q2+7w...=                      <- base64 Merkle root hash
                                    <- blank line ends the body
    — casework.invalid/audit AbCd...   <- em dash, key name, base64(key id || Ed25519 signature)

The signature is over the body, newline included. The key id is the first four bytes of
SHA-256(key name || "\\n" || 0x01 || public key), as the signed-note format defines for Ed25519,
and the verifier key is published as ``name+<hex key id>+<base64(0x01 || public key)>``.

Standard library plus ``cryptography`` only: the standalone verifier uses this module.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALGORITHM_ED25519 = b"\x01"
SIGNATURE_DASH = "\u2014 "


class NoteError(ValueError):
    """A checkpoint that is malformed or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALGORITHM_ED25519 + public_key).digest()[:4]


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    raw = raw_public_key(key)
    encoded = base64.b64encode(ALGORITHM_ED25519 + raw).decode()
    return f"{name}+{key_id(name, raw).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    try:
        name, hex_id, encoded = text.strip().split("+", 2)
        material = base64.b64decode(encoded, validate=True)
        identifier = bytes.fromhex(hex_id)
    except ValueError as error:
        raise NoteError(f"not a verifier key (name+keyid+base64): {error}") from None
    if material[:1] != ALGORITHM_ED25519 or len(material) != 33:
        raise NoteError("the verifier key is not an Ed25519 key")
    if key_id(name, material[1:]) != identifier:
        raise NoteError("the verifier key's id does not match its name and key")
    return name, identifier, Ed25519PublicKey.from_public_bytes(material[1:])


def sign(checkpoint: Checkpoint, private_key: Ed25519PrivateKey, *, name: str) -> str:
    body = checkpoint.body()
    signature = private_key.sign(body.encode())
    identifier = key_id(name, raw_public_key(private_key.public_key()))
    line = base64.b64encode(identifier + signature).decode()
    return f"{body}\n{SIGNATURE_DASH}{name} {line}\n"


def parse(note: str) -> tuple[Checkpoint, list[tuple[str, bytes, bytes]]]:
    """Split a note into its checkpoint and its (name, key id, signature) lines."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise NoteError("a signed note has a blank line between body and signatures")
    lines = body.split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint body has origin, size and root hash lines")
    origin, size_text, root_text = lines[:3]
    if not origin:
        raise NoteError("the checkpoint has no origin line")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"the tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise NoteError("the root hash line is not base64") from None
    if len(root) != 32:
        raise NoteError("the root hash is not 32 bytes")
    parsed: list[tuple[str, bytes, bytes]] = []
    for line in signatures.split("\n"):
        if not line:
            continue
        if not line.startswith(SIGNATURE_DASH):
            raise NoteError("a signature line starts with an em dash and a space")
        try:
            name, encoded = line[len(SIGNATURE_DASH) :].split(" ")
            blob = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise NoteError("a signature line is 'name base64'") from None
        if len(blob) < 5:
            raise NoteError("a signature is too short")
        parsed.append((name, blob[:4], blob[4:]))
    return Checkpoint(origin=origin, size=int(size_text), root=root), parsed


def verify(note: str, verifier: str) -> Checkpoint:
    """The checkpoint in ``note`` if ``verifier`` (a verifier key string) signed it."""
    name, identifier, public_key = parse_verifier_key(verifier)
    checkpoint, signatures = parse(note)
    body = note.partition("\n\n")[0] + "\n"
    for signer, signer_id, signature in signatures:
        if signer == name and signer_id == identifier:
            try:
                public_key.verify(signature, body.encode())
            except InvalidSignature:
                raise NoteError("the checkpoint's signature does not verify") from None
            return checkpoint
    raise NoteError(f"the checkpoint carries no signature by {name}")

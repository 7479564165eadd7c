"""A transparency-log client written from the specifications, for the tests only.

Independent of ``casework.audit`` on purpose (it imports nothing from it): RFC 9162 section
2.1 (tree hash, audit path, consistency proof, each written as the RFC's recursive
definitions over the leaves), C2SP signed-note and tlog-checkpoint (the note and its Ed25519
signature), C2SP tlog-tiles (tile paths and contents) and C2SP tlog-cosignature (Ed25519
``cosignature/v1``). If Casework and this file agree, they agree on the standards, not on a
shared bug.
"""

from __future__ import annotations

import base64
import hashlib
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def proof(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(m, D[n])."""
    return _subproof(m, leaves, True)


def _subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], b), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def tile_path(level: int, index: int, width: int | None = None) -> str:
    """C2SP tlog-tiles: ``tile/<L>/<N>[.p/<W>]`` with N in x-prefixed 3-digit groups."""
    digits = f"{index:d}"
    digits = digits.zfill((len(digits) + 2) // 3 * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    encoded = "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])
    return f"tile/{level}/{encoded}" + (f".p/{width}" if width else "")


def tiles_for(size: int) -> list[tuple[int, int, int | None]]:
    """Every (level, index, partial width) a tree of ``size`` is made of (tlog-tiles)."""
    found = []
    level = 0
    while size >= 256**level:
        entries = size // 256**level
        for index in range(entries // 256):
            found.append((level, index, None))
        if entries % 256:
            found.append((level, entries // 256, entries % 256))
        level += 1
        if entries < 256:
            break
    return found


def split_tile(data: bytes) -> list[bytes]:
    assert len(data) % 32 == 0
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def parse_vkey(text: str, algorithm: int) -> tuple[str, bytes, Ed25519PublicKey]:
    name, key_hash, material = text.strip().split("+", 2)
    raw = base64.b64decode(material)
    assert raw[0] == algorithm and len(raw) == 33
    identifier = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert identifier.hex() == key_hash
    return name, identifier, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(note: str, log_vkey: str) -> tuple[str, int, bytes, list[str]]:
    """(origin, size, root, signature lines) of a checkpoint the log's key signed; raises
    AssertionError or InvalidSignature otherwise."""
    text, signatures = note.split("\n\n", 1)
    origin, size, root = text.split("\n")[:3]
    name, identifier, key = parse_vkey(log_vkey, 0x01)
    lines = [line for line in signatures.split("\n") if line]
    for line in lines:
        signer, blob = line.removeprefix("\u2014 ").split(" ")
        raw = base64.b64decode(blob)
        if signer == name and raw[:4] == identifier:
            key.verify(raw[4:], (text + "\n").encode())
            return origin, int(size), base64.b64decode(root), lines
    raise AssertionError("no signature by the log's key")


def cosigned_at(note: str, witness_vkey: str) -> int:
    """The timestamp of the witness's valid cosignature on ``note``; raises otherwise."""
    text, signatures = note.split("\n\n", 1)
    name, identifier, key = parse_vkey(witness_vkey, 0x04)
    for line in signatures.split("\n"):
        if not line:
            continue
        signer, blob = line.removeprefix("\u2014 ").split(" ")
        raw = base64.b64decode(blob)
        if signer == name and raw[:4] == identifier:
            (timestamp,) = struct.unpack(">Q", raw[4:12])
            key.verify(raw[12:], f"cosignature/v1\ntime {timestamp}\n{text}\n".encode())
            return timestamp
    raise AssertionError(f"no cosignature by {name}")

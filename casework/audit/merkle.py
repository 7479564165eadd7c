"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs.

Standard library only: the standalone verifier (``python -m casework.audit.verify``) imports
this module without Django, so a court's expert can check an entry with nothing but Python and
``cryptography``.

Hashing (RFC 9162 section 2.1.1): a leaf is ``SHA-256(0x00 || bytes)``, an interior node is
``SHA-256(0x01 || left || right)``, the tree over n leaves splits at the largest power of two
below n, and the empty tree's hash is ``SHA-256("")``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    """One link of the hash chain that runs beside the tree (it names the first broken seal)."""
    return hashlib.sha256(previous + leaf).digest()


CHAIN_START = b"\x00" * 32

# Perfect subtrees of this height and taller are stored beside the leaves (a level-1 tile of
# C2SP tlog-tiles holds the hashes of height-8 subtrees, level 2 of height 16, and so on).
STORED_HEIGHT = 8
TILE_WIDTH = 256


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The tree hash over already-hashed leaves (RFC 9162 MTH)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


class Frontier:
    """The compact range of an append-only tree: the roots of its perfect subtrees.

    Appending a leaf costs one hash on average, and the root of the whole tree is always at
    hand, so the sealer never rereads old leaves and the verifier streams millions of events in
    constant memory. ``hashes`` is what the sealer stores with each checkpoint to resume.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != size.bit_count():
            raise ValueError("a frontier holds one hash per set bit of its size")

    def append(self, leaf: bytes) -> None:
        hashes = self.hashes
        hashes.append(leaf)
        size = self.size
        # Each trailing 1 bit of the old size is a perfect subtree that now gets a right sibling.
        while size & 1:
            right = hashes.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            size >>= 1
        self.size += 1

    def append_recording(self, leaf: bytes, completed: list) -> None:
        """``append``, also noting every perfect subtree it completes of height
        ``STORED_HEIGHT`` or more as ``(height, index)`` and hash in ``completed``.

        Those are the hashes the log keeps beside its leaves (``AuditTreeNode``): a tile or a
        proof then reads a few rows instead of rehashing thousands of leaves.
        """
        hashes = self.hashes
        hashes.append(leaf)
        size = self.size
        height = 0
        while size & 1:
            right = hashes.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            size >>= 1
            height += 1
            if height >= STORED_HEIGHT:
                # The node spans [(size << height), (size + 1) << height): its index is size.
                completed.append((height, size, hashes[-1]))
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree over ``leaves`` (RFC 9162 2.1.3.1)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 2.1.3.2: the root that ``proof`` implies; raises ValueError on a bad shape."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    if any(len(node) != 32 for node in [leaf, *proof]):
        raise ValueError("every hash in an inclusion proof is 32 bytes")
    fn, sn = index, size - 1
    result = leaf
    for node in proof:
        if sn == 0:
            raise ValueError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("the inclusion proof is shorter than the tree is deep")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    try:
        return root_from_inclusion_proof(index, size, leaf, proof) == root_hash
    except ValueError:
        return False


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """RFC 9162 2.1.4.1: proof that the first ``old_size`` leaves are a prefix of ``leaves``."""
    if not 0 < old_size <= len(leaves):
        raise ValueError("a consistency proof needs 0 < old size <= new size")
    return _subproof(leaves, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves[:k], m, complete), root(leaves[k:])]
    return [*_subproof(leaves[k:], m - k, False), root(leaves[:k])]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2."""
    if old_size > new_size or old_size < 0:
        return False
    if old_size == new_size:
        return old_root == new_root and not proof
    if old_size == 0:
        return not proof
    if not proof or any(len(node) != 32 for node in proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- proofs as lists of subtrees ---------------------------------------------------------------
# The same RFC 9162 algorithms as above, but naming the ranges of leaves whose tree hashes make
# up a proof instead of hashing them, so a log that stores subtree hashes (casework.audit.tree)
# answers with a few lookups instead of reading every leaf.


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """``MTH(D[start:end])`` for a range the RFC's recursion produces, as the perfect subtrees
    ``(start, height)`` it is made of, largest first; hash them right to left."""
    parts = []
    while start < end:
        height = (end - start).bit_length() - 1
        parts.append((start, height))
        start += 1 << height
    return parts


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges ``[start, end)`` whose tree hashes are the audit path of leaf ``index``."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose tree hashes are the consistency proof from ``old_size`` (RFC 9162
    2.1.4.1); empty when the sizes are equal."""
    if not 0 < old_size <= new_size:
        raise ValueError("a consistency proof needs 0 < old size <= new size")
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        ranges.append((start, end))
    return ranges[::-1]


def combine(subtrees: Sequence[bytes]) -> bytes:
    """The tree hash of a range from its perfect subtrees' hashes (largest first)."""
    result = subtrees[-1]
    for left in reversed(subtrees[:-1]):
        result = node_hash(left, result)
    return result

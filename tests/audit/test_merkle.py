"""RFC 6962 hashing checked against the published Certificate Transparency test vectors.

Leaves, roots and proofs are those of the reference implementations' tests
(certificate-transparency-go ``merkle`` and transparency-dev/merkle ``proof/verify_test.go``).
"""

from __future__ import annotations

import random

import pytest

from casework.audit import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
              "606162636465666768696a6b6c6d6e6f"]
]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf number, 1-based as in the reference vectors; tree size; audit path)
INCLUSION = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip

HASHED = [merkle.leaf_hash(leaf) for leaf in LEAVES]


@pytest.mark.parametrize("size", range(9))
def test_the_root_of_every_prefix_matches_the_reference(size):
    assert merkle.root(HASHED[:size]).hex() == ROOTS[size]
    frontier = merkle.Frontier()
    for leaf in HASHED[:size]:
        frontier.append(leaf)
    assert frontier.root().hex() == ROOTS[size]


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_reference(leaf, size, path):
    proof = merkle.inclusion_proof(HASHED[:size], leaf - 1)
    assert [node.hex() for node in proof] == path
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(leaf - 1, size, HASHED[leaf - 1], proof, root)
    # A proof for a neighbour, a wrong size, a flipped bit or a missing node is refused.
    assert not merkle.verify_inclusion(leaf % size, size, HASHED[leaf - 1], proof, root)
    assert not merkle.verify_inclusion(leaf - 1, size * 2, HASHED[leaf - 1], proof, root)
    flipped = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
    assert not merkle.verify_inclusion(leaf - 1, size, HASHED[leaf - 1], flipped, root)
    assert not merkle.verify_inclusion(leaf - 1, size, HASHED[leaf - 1], proof[:-1], root)
    assert not merkle.verify_inclusion(leaf - 1, size, HASHED[leaf - 1], [*proof, root], root)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_reference(old, new, path):
    proof = merkle.consistency_proof(HASHED[:new], old)
    assert [node.hex() for node in proof] == path
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert not merkle.verify_consistency(old, new, new_root, old_root, proof)
    assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])


def test_every_proof_in_many_tree_shapes_round_trips():
    leaves = [merkle.leaf_hash(random.Random(n).randbytes(12)) for n in range(70)]
    frontier = merkle.Frontier()
    for size in range(1, 71):
        frontier.append(leaves[size - 1])
        root = merkle.root(leaves[:size])
        assert frontier.root() == root
        resumed = merkle.Frontier(frontier.size, frontier.hashes)
        assert resumed.root() == root
        for index in range(size):
            proof = merkle.inclusion_proof(leaves[:size], index)
            assert merkle.verify_inclusion(index, size, leaves[index], proof, root)
        for old in range(1, size + 1):
            proof = merkle.consistency_proof(leaves[:size], old)
            assert merkle.verify_consistency(old, size, merkle.root(leaves[:old]), root, proof)

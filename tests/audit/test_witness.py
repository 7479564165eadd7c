"""Casework as a witness of a partner's log (C2SP tlog-witness), every status code of the spec.

The partner's log is simulated here with ``tlog_spec`` and its own Ed25519 key; the witness's
cosignatures are checked with ``tlog_spec`` too.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from casework.audit.models import AuditEvent, WitnessedCheckpoint
from tests.audit import tlog_spec as spec

pytestmark = pytest.mark.django_db

ORIGIN = "partner.invalid/log"


class PartnerLog:
    def __init__(self, origin: str = ORIGIN, key: Ed25519PrivateKey | None = None) -> None:
        self.origin = origin
        self.key = key or Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(origin.encode() + b"\n\x01" + raw).digest()[:4]
        material = base64.b64encode(b"\x01" + raw).decode()
        self.vkey = f"{origin}+{self.key_id.hex()}+{material}"
        self.leaves = [spec.leaf(f"partner entry {n}".encode()) for n in range(600)]

    def checkpoint(self, size: int, root: bytes | None = None) -> str:
        root = spec.mth(self.leaves[:size]) if root is None else root
        body = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        signature = base64.b64encode(self.key_id + self.key.sign(body.encode())).decode()
        return f"{body}\n\u2014 {self.origin} {signature}\n"

    def request(self, old: int, size: int, proof=None, root=None) -> str:
        if proof is None:
            proof = spec.proof(old, self.leaves[:size]) if 0 < old < size else []
        lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
        return "\n".join(lines) + "\n\n" + self.checkpoint(size, root)


@pytest.fixture
def partner(settings, tmp_path):
    log = PartnerLog()
    settings.WITNESS_LOGS = [log.vkey]
    settings.WITNESS_NAME = "north.invalid/witness"
    settings.WITNESS_SIGNING_KEY_FILE = str(tmp_path / "witness.pem")
    return log


def add(client, body: str):
    return client.post("/log/witness/add-checkpoint", body, content_type="text/plain")


def test_it_cosigns_a_checkpoint_that_extends_the_last_one(client, partner):
    first = add(client, partner.request(0, 100))
    assert first.status_code == 200, first.content
    witness_key = client.get("/log/witness/key").content.decode().strip()
    cosigned = partner.checkpoint(100) + first.content.decode()
    assert spec.cosigned_at(cosigned, witness_key) > 1_700_000_000
    second = add(client, partner.request(100, 357))
    assert second.status_code == 200
    assert spec.cosigned_at(partner.checkpoint(357) + second.content.decode(), witness_key)
    sizes = list(
        WitnessedCheckpoint.objects.filter(origin=ORIGIN)
        .order_by("id")
        .values_list("tree_size", flat=True)
    )
    assert sizes == [100, 357]
    assert AuditEvent.objects.filter(action="audit.witness_cosign").count() == 2
    # The monitoring endpoint serves the latest cosigned checkpoint, both signatures on it.
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    served = client.get(f"/log/witness/{origin_hash}/checkpoint").content.decode()
    assert spec.open_checkpoint(served, partner.vkey)[1] == 357
    assert spec.cosigned_at(served, witness_key)


def test_an_old_size_that_is_not_the_one_held_is_a_conflict_with_the_held_size(client, partner):
    assert add(client, partner.request(0, 100)).status_code == 200
    for old in (0, 50):
        answer = add(client, partner.request(old, 200))
        assert answer.status_code == 409
        assert answer["Content-Type"] == "text/x.tlog.size" and answer.content == b"100\n"
    # A checkpoint that does not extend (smaller than the one held) is refused the same way.
    assert add(client, partner.request(0, 60)).status_code == 409
    assert WitnessedCheckpoint.objects.count() == 1


def test_a_forked_history_is_refused_with_422(client, partner):
    assert add(client, partner.request(0, 100)).status_code == 200
    forked = PartnerLog(key=partner.key)
    forked.leaves = [*partner.leaves[:99], spec.leaf(b"rewritten"), *partner.leaves[100:]]
    # The partner signs a rewritten tree and sends a proof built from it: it cannot verify.
    assert add(client, forked.request(100, 300)).status_code == 422
    # Same size, another root.
    assert add(client, forked.request(100, 100)).status_code == 422
    # A proof from size 0 must be empty.
    assert add(client, partner.request(0, 0, proof=[b"\x00" * 32])).status_code in (409, 422)
    assert WitnessedCheckpoint.objects.get().tree_size == 100


def test_the_empty_tree_must_carry_the_empty_hash(client, partner):
    assert add(client, partner.request(0, 0, root=b"\x05" * 32)).status_code == 422
    assert add(client, partner.request(0, 0)).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("old 5\n\nnot a checkpoint", 400),
        ("nonsense", 400),
        ("old 05\n\n{checkpoint}", 400),
        ("old 101\n\n{checkpoint}", 400),  # old size beyond the checkpoint
        ("old 0\n!!notbase64\n\n{checkpoint}", 400),
    ],
)
def test_malformed_requests_are_400(client, partner, body, status):
    answer = add(client, body.replace("{checkpoint}", partner.checkpoint(100)))
    assert answer.status_code == status, answer.content


def test_an_unknown_log_is_404_and_a_bad_signature_403(client, partner):
    stranger = PartnerLog(origin="stranger.invalid/log")
    assert add(client, stranger.request(0, 10)).status_code == 404
    impostor = PartnerLog(key=Ed25519PrivateKey.generate())  # same origin, another key
    assert add(client, impostor.request(0, 10)).status_code == 403
    tampered = partner.request(0, 10).replace("\n10\n", "\n11\n")
    assert add(client, tampered).status_code == 403
    assert not WitnessedCheckpoint.objects.exists()

"""The standalone verifier carries an old proof forward to a newer checkpoint, and refuses
every way of getting it wrong (run as an outsider runs it: no Django, no database)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.audit import keys, notes
from casework.audit.proofs import consistency_proof_export, inclusion_proof_export
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from tests.audit.standalone import run_verifier

pytestmark = pytest.mark.django_db

ORIGIN = "casework.invalid/audit-test"


@pytest.fixture
def files(tmp_path):
    """An event proven at an old checkpoint, a newer checkpoint, and the proof between them."""
    event = audit_record(actor=None, action="case.view", details={"n": 1})
    for n in range(40):
        audit_record(actor=None, action="case.view", details={"n": n})
    seal_all(sign=True)
    proof = inclusion_proof_export(event_id=event.pk)
    for n in range(300):
        audit_record(actor=None, action="case.view", details={"n": n})
    seal_all(sign=True)
    consistency = consistency_proof_export(old_size=proof["tree_size"])
    write(tmp_path, "proof.json", proof)
    write(tmp_path, "consistency.json", consistency)
    (tmp_path / "newer.checkpoint").write_text(consistency["new_checkpoint"])
    (tmp_path / "log.key").write_text(keys.verifier_key() + "\n")
    return tmp_path


def write(directory, name, value) -> None:
    (directory / name).write_text(json.dumps(value) if not isinstance(value, str) else value)


def read(directory, name) -> dict:
    return json.loads((directory / name).read_text())


def verify(directory, *extra):
    return run_verifier(directory, "proof.json", "--key", "log.key", *extra)


BRIDGE = ("--checkpoint", "newer.checkpoint", "--consistency", "consistency.json")


def test_an_old_proof_is_verified_through_the_newer_checkpoint(files):
    done = verify(files, *BRIDGE)
    assert done.returncode == 0, done.stderr
    proof = read(files, "proof.json")
    newer = read(files, "consistency.json")["new_size"]
    assert f"of the {newer}-event audit log" in done.stdout
    assert f"proven in the {proof['tree_size']}-event log" in done.stdout


def test_a_newer_checkpoint_without_a_consistency_proof_says_how_to_get_one(files):
    done = verify(files, "--checkpoint", "newer.checkpoint")
    assert done.returncode == 1 and "/api/v1/audit/consistency/?old=" in done.stderr


def test_an_altered_consistency_proof_fails(files):
    consistency = read(files, "consistency.json")
    first = consistency["consistency_path"][0]
    consistency["consistency_path"][0] = ("A" if first[0] != "A" else "B") + first[1:]
    write(files, "consistency.json", consistency)
    done = verify(files, *BRIDGE)
    assert done.returncode == 1 and "consistency proof FAILS" in done.stderr


def test_a_consistency_proof_between_other_sizes_is_refused(files):
    other = consistency_proof_export(old_size=read(files, "proof.json")["tree_size"] - 1)
    write(files, "consistency.json", other)
    done = verify(files, *BRIDGE)
    assert done.returncode == 1 and "this needs" in done.stderr


def test_a_checkpoint_signed_by_another_key_is_refused(files):
    body = notes.parse(read(files, "consistency.json")["new_checkpoint"])[0]
    forged = notes.sign(body, Ed25519PrivateKey.generate(), name=ORIGIN)
    write(files, "newer.checkpoint", forged)
    done = verify(files, *BRIDGE)
    assert done.returncode == 1 and "--checkpoint" in done.stderr


def test_a_rewritten_log_signed_with_the_real_key_is_caught(files):
    """The insider who holds the key rewrites history and signs it: the proof that the new
    tree extends the old one cannot be made, and the one they hand over fails."""
    real = notes.parse(read(files, "consistency.json")["new_checkpoint"])[0]
    rewritten = notes.Checkpoint(origin=real.origin, size=real.size, root=b"\x07" * 32)
    write(files, "newer.checkpoint", notes.sign(rewritten, keys.signing_key(), name=ORIGIN))
    done = verify(files, *BRIDGE)
    assert done.returncode == 1 and "consistency proof FAILS" in done.stderr
    same_size = notes.parse(read(files, "proof.json")["checkpoint"])[0]
    forked = notes.Checkpoint(origin=same_size.origin, size=same_size.size, root=b"\x07" * 32)
    write(files, "newer.checkpoint", notes.sign(forked, keys.signing_key(), name=ORIGIN))
    done = verify(files, "--checkpoint", "newer.checkpoint")
    assert done.returncode == 1 and "two histories" in done.stderr


def test_an_older_checkpoint_in_place_of_the_newer_is_refused(files):
    proof = read(files, "proof.json")
    older = notes.Checkpoint(origin=ORIGIN, size=proof["tree_size"] - 1, root=b"\x01" * 32)
    write(files, "newer.checkpoint", notes.sign(older, keys.signing_key(), name=ORIGIN))
    done = verify(files, *BRIDGE)
    assert done.returncode == 1 and "older than the proof" in done.stderr


def test_an_edited_readable_copy_is_refused_and_names_the_field(files):
    proof = read(files, "proof.json")
    proof["event_json"]["action"] = "case.close"
    write(files, "proof.json", proof)
    done = verify(files)
    assert done.returncode == 1
    assert "differs from the proven bytes in: action" in done.stderr
    assert "VERIFIED" not in done.stdout


def test_a_proof_without_its_readable_copy_is_refused(files):
    proof = read(files, "proof.json")
    del proof["event_json"]
    write(files, "proof.json", proof)
    done = verify(files)
    assert done.returncode == 1 and "no readable copy" in done.stderr


def test_a_required_witness_that_did_not_cosign_fails(files):
    from casework.audit import cosignatures

    witness = cosignatures.verifier_key("w.invalid/w1", Ed25519PrivateKey.generate().public_key())
    (files / "w1.key").write_text(witness)
    done = verify(files, *BRIDGE, "--witness-key", "w1.key")
    assert done.returncode == 1 and "no valid cosignature by w.invalid/w1" in done.stderr

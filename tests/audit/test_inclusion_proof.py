"""One event, proven to an outsider with the verifier key alone (no Django, no database)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from casework.audit import keys
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from casework.audit.verify import ProofError, check

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(tmp_path):
    events = [audit_record(actor=None, action="case.view", details={"n": n}) for n in range(6)]
    seal_all(sign=True)
    proof_file, key_file = tmp_path / "proof.json", tmp_path / "verifier.key"
    call_command(
        "audit_proof", str(events[3].pk), "--output", str(proof_file), "--key-output",
        str(key_file),
    )  # fmt: skip
    return events[3], proof_file, key_file


def _standalone(*args: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    return subprocess.run(
        [sys.executable, "-m", "casework.audit.verify", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=str(Path(settings.BASE_DIR)),
        timeout=60,
    )


def test_the_standalone_verifier_proves_an_exported_event(exported):
    event, proof_file, key_file = exported
    done = _standalone(str(proof_file), "--key", str(key_file))
    assert done.returncode == 0, done.stderr
    assert "VERIFIED" in done.stdout and f'"id": {event.pk}' in done.stdout


def test_it_refuses_an_altered_event(exported):
    _event, proof_file, key_file = exported
    proof = json.loads(proof_file.read_text())
    document = json.loads(base64.b64decode(proof["event"]))
    document["action"] = "case.close"
    proof["event"] = base64.b64encode(json.dumps(document).encode()).decode()
    proof_file.write_text(json.dumps(proof))
    done = _standalone(str(proof_file), "--key", str(key_file))
    assert done.returncode == 1 and "NOT included" in done.stderr


def test_it_refuses_another_key_and_a_forged_checkpoint(exported, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.audit import notes

    _event, proof_file, key_file = exported
    other = tmp_path / "other.key"
    other.write_text(
        notes.verifier_key("casework.invalid/audit-test", Ed25519PrivateKey.generate().public_key())
    )
    assert _standalone(str(proof_file), "--key", str(other)).returncode == 1
    proof = json.loads(proof_file.read_text())
    lines = proof["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    with pytest.raises(ProofError, match="signature"):
        check(proof, key_file.read_text(), "\n".join(lines))


def test_the_verifier_module_does_not_need_django():
    code = (
        "import sys, casework.audit.verify; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment,
        cwd=str(Path(settings.BASE_DIR)), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_an_unsealed_event_has_no_proof_yet():
    from casework.audit.proofs import inclusion_proof_export
    from casework.core.errors import NotFound

    event = audit_record(actor=None, action="case.view")
    with pytest.raises(NotFound, match="not sealed"):
        inclusion_proof_export(event_id=event.pk)


def test_the_published_key_matches_the_checkpoints(exported):
    _event, _proof_file, key_file = exported
    assert key_file.read_text().strip() == keys.verifier_key()

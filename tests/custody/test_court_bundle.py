"""The court bundle: built for the people allowed, checked offline, every tampering rejected.

The verifier runs in a subprocess whose ``django`` and ``psycopg`` packages are replaced by
ones that refuse to import: what a defence expert runs needs neither Django nor a database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from casework.audit import merkle, notes
from casework.audit.models import AuditEvent
from casework.audit.sealing import seal_all
from casework.custody.bundle import court_bundle_export
from tests.custody.factories import hand_over_and_verify, make_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signed_audit_files")]

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture
def chain(case, store, investigator, teammate):
    phone = make_item(case=case, store=store, exhibit_number="EXH-001")
    now = timezone.now()
    hand_over_and_verify(item=phone, released_by=investigator, examiner=teammate, now=now)
    return phone


@pytest.fixture
def bundle(case, chain, supervisor, tmp_path):
    built = court_bundle_export(user=supervisor, case=case)
    path = tmp_path / built.filename
    path.write_bytes(built.content)
    return path


@pytest.fixture
def key_file(tmp_path):
    from casework.audit import keys

    path = tmp_path / "log.key"
    path.write_text(keys.verifier_key() + "\n")
    return path


@pytest.fixture(scope="module")
def no_django(tmp_path_factory) -> Path:
    """A directory whose ``django`` and ``psycopg`` refuse to be imported."""
    blocked = tmp_path_factory.mktemp("blocked")
    for name in ("django", "psycopg", "rest_framework"):
        (blocked / name).mkdir()
        (blocked / name / "__init__.py").write_text(
            f"raise ImportError('the verifier must not need {name}')\n"
        )
    return blocked


def verify(path: Path, key: Path, no_django: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(no_django), str(ROOT)]),
    }
    return subprocess.run(
        [sys.executable, "-m", "casework.audit.verify", str(path), "--key", str(key)],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(path.parent),
        timeout=120,
        check=False,
    )


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(path: Path, files: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def rehash_manifest(files: dict[str, bytes], manifest: dict) -> None:
    """What a forger without the key can do: make the manifest's hashes fit the files."""
    manifest["files"] = [
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in files.items()
        if name not in ("manifest.json", "manifest.sig")
    ]
    files["manifest.json"] = json.dumps(manifest, indent=1).encode()


# --- what is in it, and that it verifies -------------------------------------------------------


def test_it_verifies_offline_without_django_or_a_database(bundle, key_file, no_django, case):
    result = verify(bundle, key_file, no_django)
    assert result.returncode == 0, result.stderr
    assert f"VERIFIED: court bundle of case {case.number}" in result.stdout


def test_it_holds_every_event_of_the_case_with_the_reports_and_the_key(bundle, case, chain):
    files = members(bundle)
    for name in (
        "README.txt",
        "manifest.json",
        "manifest.sig",
        "checkpoint.txt",
        "log.key",
        "custody-report.html",
        "custody-report.pdf",
        "chronology.csv",
        "case-uco.jsonld",
    ):
        assert name in files, name
    manifest = json.loads(files["manifest.json"])
    sealed_ids = set(
        AuditEvent.objects.filter(case_id=case.pk, seal__position__lt=manifest["log"]["tree_size"])
        .exclude(action="case.court_bundle_export")
        .values_list("pk", flat=True)
    )
    assert {e["id"] for e in manifest["events"]} == sealed_ids
    assert files["custody-report.pdf"].startswith(b"%PDF")
    checkpoint = notes.parse(files["checkpoint.txt"].decode())[0]
    for entry in manifest["events"]:
        canonical = files[entry["file"]]
        proof = json.loads(files[entry["proof"]])
        path = [base64.b64decode(node) for node in proof["inclusion_path"]]
        assert merkle.verify_inclusion(
            entry["leaf_index"], checkpoint.size, merkle.leaf_hash(canonical), path, checkpoint.root
        )
    listed = {f["path"] for f in manifest["files"]}
    assert listed == set(files) - {"manifest.json", "manifest.sig"}
    assert "python -m casework.audit.verify" in files["README.txt"].decode()


def test_building_it_is_audited_with_the_manifest_hash(bundle, case, supervisor):
    event = AuditEvent.objects.get(action="case.court_bundle_export", case_id=case.pk)
    manifest = members(bundle)["manifest.json"]
    assert event.actor_id == supervisor.pk
    assert event.details["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()


# --- tampering ---------------------------------------------------------------------------------


def test_a_changed_byte_in_any_file_is_rejected(bundle, key_file, no_django, tmp_path):
    original = members(bundle)
    for index, name in enumerate(sorted(original)):
        files = dict(original)
        data = bytearray(files[name])
        data[len(data) // 2] ^= 0x01
        files[name] = bytes(data)
        result = verify(write(tmp_path / f"changed-{index}.zip", files), key_file, no_django)
        assert result.returncode == 1, name
        assert "NOT VERIFIED" in result.stderr, name


def test_a_dropped_event_is_rejected_even_with_the_manifest_made_to_fit(
    bundle, key_file, no_django, tmp_path
):
    files = members(bundle)
    manifest = json.loads(files["manifest.json"])
    custody = [
        e
        for e in manifest["events"]
        if json.loads(files[e["file"]])["action"] == "custody_event.create"
    ]
    dropped = custody[0]
    manifest["events"].remove(dropped)
    manifest["event_count"] -= 1
    del files[dropped["file"]], files[dropped["proof"]]
    rehash_manifest(files, manifest)
    result = verify(write(tmp_path / "dropped.zip", files), key_file, no_django)
    assert result.returncode == 1
    assert "manifest.sig: the signed statement is not about this manifest" in result.stderr
    assert f"custody-report.html: lists event(s) {dropped['id']}" in result.stderr
    assert f"chronology.csv: lists event(s) {dropped['id']}" in result.stderr


def test_a_reordered_pair_is_rejected(bundle, key_file, no_django, tmp_path):
    files = members(bundle)
    manifest = json.loads(files["manifest.json"])
    events = manifest["events"]
    events[0], events[1] = events[1], events[0]
    rehash_manifest(files, manifest)
    result = verify(write(tmp_path / "reordered.zip", files), key_file, no_django)
    assert result.returncode == 1
    assert "out of log order" in result.stderr
    # The same pair with their bytes swapped instead: each proof now fails.
    files = members(bundle)
    manifest = json.loads(files["manifest.json"])
    first, second = manifest["events"][:2]
    files[first["file"]], files[second["file"]] = files[second["file"]], files[first["file"]]
    rehash_manifest(files, manifest)
    result = verify(write(tmp_path / "swapped-bytes.zip", files), key_file, no_django)
    assert result.returncode == 1
    assert f"event {first['id']}: the proof proves other bytes" in result.stderr


def test_a_swapped_checkpoint_is_rejected(bundle, key_file, no_django, tmp_path, case, supervisor):
    files = members(bundle)
    # A genuine, newer checkpoint of the same log, signed with the same key.
    from casework.audit.models import AuditCheckpoint

    seal_all(sign=True)
    newer = AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first().signed_note
    assert newer.encode() != files["checkpoint.txt"]
    files["checkpoint.txt"] = newer.encode()
    manifest = json.loads(files["manifest.json"])
    rehash_manifest(files, manifest)
    result = verify(write(tmp_path / "swapped.zip", files), key_file, no_django)
    assert result.returncode == 1
    assert "checkpoint: not the checkpoint the manifest names" in result.stderr
    assert "NOT included in the signed tree" in result.stderr or "the proof is for leaf" in (
        result.stderr
    )


def test_a_signature_under_another_key_is_rejected(bundle, key_file, no_django, tmp_path):
    files = members(bundle)
    forger = Ed25519PrivateKey.generate()
    name = "casework.invalid/audit-test"
    checkpoint = notes.parse(files["checkpoint.txt"].decode())[0]
    files["checkpoint.txt"] = notes.sign(checkpoint, forger, name=name).encode()
    files["log.key"] = (notes.verifier_key(name, forger.public_key()) + "\n").encode()
    manifest = json.loads(files["manifest.json"])
    rehash_manifest(files, manifest)
    body = f"{name}/court-bundle/v1\ncase {manifest['case']['number']}\nmanifest sha256 "
    body += hashlib.sha256(files["manifest.json"]).hexdigest() + "\n"
    identifier = notes.key_id(name, notes.raw_public_key(forger.public_key()))
    signature = base64.b64encode(identifier + forger.sign(body.encode())).decode()
    files["manifest.sig"] = f"{body}\n\u2014 {name} {signature}\n".encode()
    forged = write(tmp_path / "forged.zip", files)
    result = verify(forged, key_file, no_django)
    assert result.returncode == 1
    assert "manifest.sig: the manifest's signature fails" in result.stderr
    assert "checkpoint: the checkpoint carries no signature by" in result.stderr
    # Under the forger's own key it would pass: which is why the key is obtained separately.
    forger_key = tmp_path / "forger.key"
    forger_key.write_bytes(files["log.key"])
    assert verify(forged, forger_key, no_django).returncode == 0


def test_an_extra_file_is_rejected(bundle, key_file, no_django, tmp_path):
    files = members(bundle)
    files["events/999999.json"] = b"{}"
    result = verify(write(tmp_path / "extra.zip", files), key_file, no_django)
    assert result.returncode == 1
    assert "events/999999.json: in the bundle but not in the manifest" in result.stderr


# --- who may build it ---------------------------------------------------------------------------


def test_only_a_supervisor_of_the_unit_gets_it_everyone_else_404(
    case,
    chain,
    client_for,
    api_for,
    supervisor,
    investigator,
    teammate,
    outsider,
    outside_supervisor,
    auditor,
):
    url = reverse("custody:case-court-bundle", args=[case.number])
    api_url = reverse("custody-api:case-court-bundle", args=[case.number])
    for user in (investigator, teammate, outsider, outside_supervisor, auditor):
        assert client_for(user).get(url).status_code == 404, user.username
        assert api_for(user).get(api_url).status_code == 404, user.username
    assert not AuditEvent.objects.filter(action="case.court_bundle_export").exists()
    response = client_for(supervisor).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
    response = api_for(supervisor).get(api_url)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="case.court_bundle_export").count() == 2


def test_the_button_shows_for_the_supervisor_only(
    case, chain, client_for, supervisor, investigator
):
    url = reverse("custody:case-items", args=[case.number])
    assert "Download court bundle" in client_for(supervisor).get(url).content.decode()
    assert "Download court bundle" not in client_for(investigator).get(url).content.decode()


def test_the_command_writes_it_and_refuses_anyone_else(
    case, chain, supervisor, investigator, tmp_path
):
    target = tmp_path / "bundle.zip"
    out = io.StringIO()
    call_command(
        "court_bundle",
        case.number,
        "--as",
        supervisor.username,
        "--output",
        str(target),
        stdout=out,
    )
    assert target.exists() and "manifest SHA-256" in out.getvalue()
    with pytest.raises(CommandError, match=rf"{case.number}:0: number: No case"):
        call_command("court_bundle", case.number, "--as", investigator.username)

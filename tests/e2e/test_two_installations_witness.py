"""Two Casework installations witness each other's logs, over HTTP, in one test run.

It lives with the other live-server tests (tests/e2e): a transactional test leaves the rows
Django's flush recreates behind it, which the ledger records, and the audit tests count events.

North is this test process (its live server on the test database). South is a second
installation: its own database (migrated from scratch), its own keys and origin, run as a
separate ``manage.py runserver`` process. Each is configured as the other's witness. Then an
outsider checks, with the standalone verifier and nothing else, an event of North's against
North's checkpoint as cosigned by South.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings as django_settings
from rest_framework.authtoken.models import Token

from casework.audit import cosignatures, notes
from casework.audit.models import AuditCosignature, WitnessedCheckpoint
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from tests.audit import tlog_spec as spec
from tests.audit.standalone import run_verifier

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

NORTH, SOUTH = "north.casework.invalid", "south.casework.invalid"


def make_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def post(url: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def eager_celery(settings):
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def installations(live_server, settings, tmp_path, eager_celery):
    """North (this process) and South (a server process on its own database), each the
    other's witness. Yields what the test needs to talk to both."""
    keys = {
        name: make_key(tmp_path / "keys" / f"{name}.pem")
        for name in ("north-log", "north-witness", "south-log", "south-witness")
    }
    vkeys = {
        "north-log": notes.verifier_key(f"{NORTH}/audit", keys["north-log"].public_key()),
        "south-log": notes.verifier_key(f"{SOUTH}/audit", keys["south-log"].public_key()),
        "north-witness": cosignatures.verifier_key(
            f"{NORTH}/witness", keys["north-witness"].public_key()
        ),
        "south-witness": cosignatures.verifier_key(
            f"{SOUTH}/witness", keys["south-witness"].public_key()
        ),
    }
    port = free_port()
    south_url = f"http://127.0.0.1:{port}"
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "north-checkpoints")
    settings.AUDIT_SIGN_SECONDS = 0
    settings.AUDIT_LOG_ORIGIN = f"{NORTH}/audit"
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "north-log.pem")
    settings.WITNESS_NAME = f"{NORTH}/witness"
    settings.WITNESS_SIGNING_KEY_FILE = str(tmp_path / "keys" / "north-witness.pem")
    settings.WITNESS_LOGS = [vkeys["south-log"]]
    settings.AUDIT_WITNESSES = [
        {"url": f"{south_url}/log/witness/add-checkpoint", "key": vkeys["south-witness"]}
    ]

    database = f"{django_settings.DATABASES['default']['NAME']}_south"
    socket_dir = django_settings.DATABASES["default"]["OPTIONS"]["host"]
    admin = f"postgresql://postgres@/postgres?host={quote(socket_dir, safe='')}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}"')
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "CASEWORK"))},
        "DATABASE_URL": f"postgresql://postgres@/{database}?host={quote(socket_dir, safe='')}",
        "CASEWORK_AUDIT_LOG_ORIGIN": f"{SOUTH}/audit",
        "CASEWORK_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "keys" / "south-log.pem"),
        "CASEWORK_AUDIT_CHECKPOINT_DIR": str(tmp_path / "south-checkpoints"),
        "CASEWORK_AUDIT_SIGN_SECONDS": "0",
        "CASEWORK_AUDIT_LOG_PUBLIC": "true",
        "CASEWORK_WITNESS_NAME": f"{SOUTH}/witness",
        "CASEWORK_WITNESS_SIGNING_KEY_FILE": str(tmp_path / "keys" / "south-witness.pem"),
        "CASEWORK_WITNESS_LOGS": vkeys["north-log"],
        "CASEWORK_AUDIT_WITNESSES": (
            f"{live_server.url}/log/witness/add-checkpoint {vkeys['north-witness']}"
        ),
        "CASEWORK_BROKER_DIR": str(tmp_path / "south-broker"),
    }
    manage = [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py")]

    def south(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*manage, *args], env=environment, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    south("migrate", "-v0")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # a loaded machine takes a while to start a Django server
            try:
                get(f"{south_url}/log/key")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("South's server did not start")
        yield {"south": south, "south_url": south_url, "north_url": live_server.url, **vkeys}
    finally:
        server.terminate()
        server.wait(timeout=30)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


SOUTH_GROWS = (
    "from casework.audit.services import audit_record; "
    "from casework.audit.sealing import seal_all; "
    "[audit_record(actor=None, action='case.view', details={{'n': n}}) for n in range({count})]; "
    "seal_all(sign=True)"
)


def test_two_installations_witness_each_other(
    installations, investigator, auditor, tmp_path, caplog
):
    south = installations["south"]
    caplog.set_level("INFO")
    # 1. North seals and signs; the sealer's task asks South, which cosigns.
    event = audit_record(actor=investigator, action="case.view", details={"n": 0})
    for n in range(300):
        audit_record(actor=None, action="case.view", details={"n": n})
    seal_all(sign=True)
    assert AuditCosignature.objects.exists(), caplog.text
    cosignature = AuditCosignature.objects.get()
    assert cosignature.witness_name == f"{SOUTH}/witness"
    token = Token.objects.create(user=auditor).key  # an outsider's expert goes through one
    request = urllib.request.Request(
        f"{installations['north_url']}/log/checkpoint", headers={"Authorization": f"Token {token}"}
    )
    north_note = urllib.request.urlopen(request, timeout=10).read().decode()
    _, size, _, _ = spec.open_checkpoint(north_note, installations["north-log"])
    assert spec.cosigned_at(north_note, installations["south-witness"])

    # 2. North grows; South is asked again and checks the consistency proof from the size it
    #    cosigned before.
    for n in range(200):
        audit_record(actor=None, action="case.view", details={"n": n})
    seal_all(sign=True)
    assert AuditCosignature.objects.count() == 2

    # 3. South grows twice and asks North each time; North keeps the last size it saw.
    south("shell", "-c", SOUTH_GROWS.format(count=20))
    south("audit_witness")
    south("shell", "-c", SOUTH_GROWS.format(count=333))
    assert "cosigned size" in south("audit_witness").stdout
    sizes = list(WitnessedCheckpoint.objects.order_by("id").values_list("tree_size", flat=True))
    assert len(sizes) == 2 and sizes[0] < sizes[1]
    south_note = get(f"{installations['south_url']}/log/checkpoint")
    south_size = spec.open_checkpoint(south_note, installations["south-log"])[1]
    assert south_size == sizes[1]
    assert spec.cosigned_at(south_note, installations["north-witness"])

    # 4. North, as witness, refuses South's older checkpoint presented as new: 409 and the
    #    size it holds.
    status, body = post(
        f"{installations['north_url']}/log/witness/add-checkpoint",
        "old 0\n\n" + WitnessedCheckpoint.objects.order_by("id").first().note,
    )
    assert (status, body) == (409, f"{south_size}\n")

    # 5. An outsider verifies North's event: proof from the API, today's checkpoint and the
    #    consistency proof fetched by URL, South's cosignature required.
    proof_request = urllib.request.Request(
        f"{installations['north_url']}/api/v1/audit/events/{event.pk}/proof/?size={size}",
        headers={"Authorization": f"Token {token}"},
    )
    proof = json.loads(urllib.request.urlopen(proof_request, timeout=10).read())
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "north.key").write_text(installations["north-log"])
    (tmp_path / "south-witness.key").write_text(installations["south-witness"])
    latest = spec.open_checkpoint(
        urllib.request.urlopen(request, timeout=10).read().decode(), installations["north-log"]
    )[1]
    done = run_verifier(
        tmp_path,
        "proof.json",
        "--key",
        "north.key",
        "--checkpoint",
        f"{installations['north_url']}/log/checkpoint",
        "--consistency",
        f"{installations['north_url']}/api/v1/audit/consistency/?old={size}&new={latest}",
        "--token",
        token,
        "--witness-key",
        "south-witness.key",
    )
    assert done.returncode == 0, done.stderr
    assert f"of the {latest}-event audit log" in done.stdout and "cosigned by 1" in done.stdout
    assert base64.b64decode(proof["event"])  # the bytes travelled, not only a hash

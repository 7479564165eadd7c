"""Two parties in one process: ``we`` (this installation, its keys in settings) and a partner
whose signed sets the tests write with the partner's own key, as its installation would."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings

from casework.cooperation import conf, services
from casework.cooperation import pointer_format as fmt
from casework.cooperation.models import SharingUnit
from casework.partners import key_services
from casework.partners.models import Agency
from tests.cases.factories import make_case

GROUP_SECRET = b"g" * 32
WEST_ISSUER = "west.casework.invalid"


@pytest.fixture(autouse=True)
def cooperation_keys(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "our-key.pem"
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    group = tmp_path / "group-keys"
    group.write_text(f"group-1 {base64.b64encode(GROUP_SECRET).decode()}\n")
    settings.COOP_SIGNING_KEY_FILE = str(path)
    settings.COOP_GROUP_KEYS_FILE = str(group)
    settings.COOP_ISSUER = "north.casework.invalid"
    settings.COOP_AGENCY = "Synthetic Police North"
    return key


@dataclass
class Partner:
    key: Ed25519PrivateKey
    installation: object
    issuer: str = "partner.casework.invalid"

    def set_bytes(
        self,
        values: list[tuple[str, str]],
        *,
        key: Ed25519PrivateKey | None = None,
        group_key_id: str = "group-1",
        handles: list[uuid.UUID] | None = None,
    ) -> bytes:
        """A signed set holding these (kind, normal value) pairs, as the partner would send."""
        key = key or self.key
        out = io.BytesIO()
        writer = fmt.SetWriter(out, key)
        writer.header(
            fmt.Header(
                issuer=self.issuer,
                key_id=conf.signing_key_id(key),
                fingerprint_key_id=group_key_id,
                created=datetime(2026, 3, 1, tzinfo=UTC),
                contacts=1,
                count=len(values),
            )
        )
        writer.contact(
            fmt.Contact(
                ref="c1",
                agency="Synthetic Police Partner",
                unit="Partner Unit",
                name="Duty Officer 0042",
                email="duty.0042@partner.invalid",
                phone="+44 20 7946 0042",
            )
        )
        for index, (kind, value) in enumerate(values):
            handle = handles[index] if handles else uuid.uuid4()
            writer.pointer(services.fingerprint(GROUP_SECRET, kind, value), handle, "c1")
        writer.finish()
        return out.getvalue()


@pytest.fixture
def partner(administrator) -> Partner:
    key = Ed25519PrivateKey.generate()
    agency = Agency.objects.create(name="Synthetic Police Partner", country="IE", kind="police")
    key_services.partner_installation_register(
        actor=administrator,
        agency=agency,
        issuer="partner.casework.invalid",
        public_key=conf.public_key_base64(key),
    )
    return Partner(key=key, installation=agency.installation)


@pytest.fixture
def sharing_north(north):
    return SharingUnit.objects.create(
        unit=north, contact_name="North Desk", contact_email="desk@north.invalid"
    )


@pytest.fixture
def shared_case(investigator, teammate, sharing_north):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case north")


def _west_environment(directory, database: str) -> dict[str, str]:
    socket_dir = django_settings.DATABASES["default"]["OPTIONS"]["host"]
    group = directory / "west-group-keys"
    group.write_text(f"group-1 {base64.b64encode(GROUP_SECRET).decode()}\n")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "CASEWORK"))},
        "DATABASE_URL": f"postgresql://postgres@/{database}?host={quote(socket_dir, safe='')}",
        "CASEWORK_COOP_ISSUER": WEST_ISSUER,
        "CASEWORK_COOP_AGENCY": "Synthetic Police West",
        "CASEWORK_COOP_SIGNING_KEY_FILE": str(directory / "west-key.pem"),
        "CASEWORK_COOP_GROUP_KEYS_FILE": str(group),
        "CASEWORK_AUDIT_SIGNING_KEY_FILE": str(directory / "west-audit.pem"),
        "CASEWORK_BROKER_DIR": str(directory / "west-broker"),
        "CASEWORK_EMAIL_BACKEND": "memory",
        "CASEWORK_COOP_PARTNER_TOKENS_FILE": str(directory / "west-tokens"),
        "CASEWORK_COOP_HTTP_TIMEOUT_SECONDS": "20",
        "PYTHONPATH": str(django_settings.BASE_DIR),
    }


def _maintenance() -> str:
    socket_dir = django_settings.DATABASES["default"]["OPTIONS"]["host"]
    return f"postgresql://postgres@/postgres?host={quote(socket_dir, safe='')}"


@pytest.fixture(scope="session")
def west_template(django_db_setup, tmp_path_factory):
    """West's database migrated once per run; each test's West is a copy of it (seconds, not
    the minute a migration from scratch takes)."""
    database = f"{django_settings.DATABASES['default']['NAME']}_west_template"
    with psycopg.connect(_maintenance(), autocommit=True) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{database}"')
        maintenance.execute(f'CREATE DATABASE "{database}"')
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        env=_west_environment(tmp_path_factory.mktemp("west-template"), database),
        cwd=str(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    try:
        yield database
    finally:
        with psycopg.connect(_maintenance(), autocommit=True) as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def west(tmp_path, west_template):
    database = f"{django_settings.DATABASES['default']['NAME']}_west"
    admin = _maintenance()
    with psycopg.connect(admin, autocommit=True) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        maintenance.execute(f'CREATE DATABASE "{database}" TEMPLATE "{west_template}"')
    environment = _west_environment(tmp_path, database)
    url = environment["DATABASE_URL"]
    root = str(django_settings.BASE_DIR)

    def run(*args: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "tests.cooperation.partner_site", *args],
            env=environment,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    servers: list[subprocess.Popen] = []

    def serve() -> str:
        """Start West's web server (``runserver``) on a free port; its base URL once it answers."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=environment,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        servers.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    return f"http://127.0.0.1:{port}"
            time.sleep(0.2)
        raise AssertionError("West's server did not answer within 60 s")

    run.url = url
    run.serve = serve
    run.tokens = tmp_path / "west-tokens"
    try:
        yield run
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        with psycopg.connect(admin, autocommit=True) as maintenance:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

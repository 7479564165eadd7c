"""``manage.py bootstrap`` turns an empty installation into one an administrator can run."""

from __future__ import annotations

import base64
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.accounts.models import Unit, User
from casework.accounts.roles import ROLE_PERMISSIONS
from casework.audit import notes
from casework.audit.models import AuditEvent
from casework.audit.notes import Checkpoint
from tests.clients import BrowserFormClient

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "lantern-orchard-42-quietly"
UNITS = (
    "code,name,case_prefix,time_zone\n"
    "north,North Unit,NORTH,Europe/London\n"
    "\n"
    "south,South Unit,SOUTH,\n"
)


@pytest.fixture
def files(tmp_path, settings):
    settings.CASEWORK_REQUIRE_2FA = True
    settings.AUDIT_LOG_ORIGIN = "casework.example/audit"
    (tmp_path / "units.csv").write_text(UNITS)
    (tmp_path / "password").write_text(PASSWORD + "\n")
    return tmp_path


def bootstrap(files: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "bootstrap",
        "--units", str(files / "units.csv"),
        "--admin", "first.admin",
        "--admin-email", "first.admin@agency.example",
        "--password-file", str(files / "password"),
        "--signing-key", str(files / "keys" / "audit-signing-key.pem"),
        *extra,
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def state() -> dict:
    return {
        "groups": {
            group.name: sorted(group.permissions.values_list("codename", flat=True))
            for group in Group.objects.all()
        },
        "units": sorted(Unit.objects.values_list("code", "name", "case_prefix", "time_zone")),
        "users": sorted(
            (user.username, user.is_staff, user.is_superuser, sorted(user.role_names))
            for user in User.objects.all()
        ),
        "events": AuditEvent.objects.count(),
    }


def test_running_it_twice_gives_the_same_installation(files):
    first = bootstrap(files)
    after_first = state()
    key = (files / "keys" / "audit-signing-key.pem").read_bytes()
    second = bootstrap(files)

    assert state() == after_first
    assert (files / "keys" / "audit-signing-key.pem").read_bytes() == key
    assert after_first["units"] == [
        ("north", "North Unit", "NORTH", "Europe/London"),
        ("south", "South Unit", "SOUTH", "UTC"),
    ]
    assert after_first["users"] == [("first.admin", True, False, ["administrator"])]
    assert set(after_first["groups"]) == {"investigator", "supervisor", "auditor", "administrator"}
    assert "change_user" in after_first["groups"]["administrator"]
    assert "Administrator first.admin: created" in first
    assert "Unit north: already there" in second
    assert "Administrator first.admin: already an administrator" in second
    assert "Roles: already in place" in second


def test_roles_carry_the_permissions_of_their_one_definition(files):
    bootstrap(files)
    for role, grants in ROLE_PERMISSIONS.items():
        wanted = {f"{action}_{model}" for _app, model, actions in grants for action in actions}
        held = set(Permission.objects.filter(group__name=role).values_list("codename", flat=True))
        assert held == wanted, role


def test_the_administrator_signs_in_and_sees_the_administration(files):
    bootstrap(files)
    client = BrowserFormClient()
    client.post("/accounts/sign-in/", {"username": "first.admin", "password": PASSWORD})
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user__username="first.admin")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    client.post("/accounts/two-factor/", {"token": f"{code:06d}"})

    home = client.get("/")
    assert home.status_code == 200
    assert "Background services" in home.content.decode()
    assert client.get("/api/v1/system/heartbeat/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/unit/").status_code == 200
    assert client.get("/admin/deadlines/deadlinerule/").status_code == 200


def test_a_createsuperuser_account_is_given_the_administrator_role(files):
    User.objects.create_superuser("root.account", "root@agency.example", PASSWORD)
    out = io.StringIO()
    call_command(
        "bootstrap", "--admin", "root.account", "--signing-key", str(files / "key.pem"), stdout=out
    )
    assert "Administrator root.account: given the administrator role" in out.getvalue()
    assert User.objects.get(username="root.account").has_role("administrator")
    assert AuditEvent.objects.filter(action="user.grant_role").count() == 1


def test_the_signing_key_is_private_and_its_verifier_key_checks_its_signatures(files):
    output = bootstrap(files)
    path = files / "keys" / "audit-signing-key.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    verifier = next(
        line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("Verifier key")
    )
    assert verifier.startswith("casework.example/audit+")

    from casework.audit.keys import signing_key_at

    checkpoint = Checkpoint(origin="casework.example/audit", size=1, root=bytes(32))
    note = notes.sign(checkpoint, signing_key_at(path), name="casework.example/audit")
    assert notes.verify(note, verifier).size == 1


def test_a_weak_password_is_refused_at_its_file_and_nothing_is_written(files):
    (files / "password").write_text("first.admin\n")
    with pytest.raises(CommandError) as refused:
        bootstrap(files)
    message = str(refused.value)
    assert message.startswith(f"{files / 'password'}:1: password: ")
    assert "too short" in message or "too similar" in message
    assert not Unit.objects.exists() and not User.objects.exists()
    assert not (files / "keys").exists()


def test_a_bad_unit_line_is_named_by_file_line_and_field(files):
    (files / "units.csv").write_text(
        "code,name,case_prefix\nnorth,North Unit,NORTH\nsouth,South Unit,south-1\n"
    )
    with pytest.raises(CommandError) as refused:
        bootstrap(files)
    assert str(refused.value).startswith(f"{files / 'units.csv'}:3: case_prefix: Use capital")
    assert not Unit.objects.exists()


def test_a_unit_given_twice_is_refused(files):
    with pytest.raises(CommandError) as refused:
        bootstrap(files, "--unit", "east,East Unit,NORTH")
    assert "--unit east,East Unit,NORTH: case_prefix: NORTH is given twice" in str(refused.value)


def test_an_existing_unit_is_not_changed_behind_the_administration(files):
    bootstrap(files)
    (files / "units.csv").write_text("code,name,case_prefix\nnorth,Northern Unit,NORTH\n")
    with pytest.raises(CommandError) as refused:
        bootstrap(files)
    assert str(refused.value).startswith(f"{files / 'units.csv'}:2: name: Unit north exists")
    assert Unit.objects.get(code="north").name == "North Unit"


def test_without_a_terminal_or_a_file_it_asks_for_the_password_file(files, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    with pytest.raises(CommandError) as refused:
        call_command("bootstrap", "--admin", "first.admin",
                     "--signing-key", str(files / "key.pem"))  # fmt: skip
    assert "--password-file FILE" in str(refused.value)
    assert "never taken as an argument" in str(refused.value)


def test_an_installation_without_an_administrator_must_name_one(files):
    with pytest.raises(CommandError, match="Name the first administrator with --admin"):
        call_command("bootstrap", "--signing-key", str(files / "key.pem"))


def production_environment() -> dict[str, str]:
    return {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CASEWORK_AUDIT_"))
        },
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "casework.example",
        "DATABASE_URL": "postgresql://casework@127.0.0.1:9/casework",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "CASEWORK_BASE_URL": "https://casework.example",
        "CASEWORK_EMAIL_BACKEND": "smtp",
        "CASEWORK_KEK": base64.b64encode(secrets.token_bytes(32)).decode(),
        "CASEWORK_FINGERPRINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def test_in_production_it_asks_where_the_signing_key_goes_before_touching_anything():
    result = subprocess.run(
        [sys.executable, "manage.py", "bootstrap", "--admin", "first.admin"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        "CommandError: Set CASEWORK_AUDIT_SIGNING_KEY_FILE (or pass --signing-key PATH): "
        "bootstrap creates the audit signing key there, or checks the one already there."
    )


def test_seed_demo_refuses_to_run_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "CommandError: seed_demo refuses to run in production (DJANGO_ENV=production): its "
        "users share a published password; set up an installation with 'manage.py bootstrap'."
    ]

"""Bad configuration stops Casework with one sentence and a non-zero exit, never a traceback."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = secrets.token_urlsafe(64)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("casework: ")
    assert expected in lines[0]


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="casework.example")
    assert_one_clear_line(result, "DJANGO_SECRET_KEY must be set")


def test_production_refuses_to_start_without_a_database_url():
    result = manage(
        "check",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="casework.example",
    )
    assert_one_clear_line(result, "DATABASE_URL must be set in production")


def test_an_unreachable_database_is_explained():
    result = manage("migrate", DATABASE_URL="postgresql://casework@127.0.0.1:9/casework")
    assert_one_clear_line(result, "Cannot connect to the database at 127.0.0.1:9/casework")


def test_a_malformed_boolean_is_explained():
    result = manage("check", CASEWORK_REQUIRE_2FA="maybe")
    assert_one_clear_line(result, "CASEWORK_REQUIRE_2FA='maybe' is not a boolean")


def test_production_settings_pass_the_deployment_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="casework.example",
        DATABASE_URL="postgresql://casework@127.0.0.1:5432/casework",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CASEWORK_BASE_URL="https://casework.example",
        CASEWORK_EMAIL_BACKEND="smtp",
        CASEWORK_KEK=base64.b64encode(os.urandom(32)).decode(),
        CASEWORK_FINGERPRINT_KEY=base64.b64encode(os.urandom(32)).decode(),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_an_address_passkeys_cannot_use():
    result = manage(
        "check",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="casework.example",
        DATABASE_URL="postgresql://casework@127.0.0.1:5432/casework",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CASEWORK_EMAIL_BACKEND="smtp",
        # https, so the general address rule passes; passkeys also need a host name.
        CASEWORK_BASE_URL="https://10.0.0.5:8000",
    )
    assert_one_clear_line(
        result, "CASEWORK_BASE_URL='https://10.0.0.5:8000' must be https:// and a host name"
    )


def test_a_token_lifetime_beyond_the_maximum_is_explained():
    result = manage("check", CASEWORK_API_TOKEN_DAYS="400")
    assert_one_clear_line(result, "CASEWORK_API_TOKEN_DAYS=400 is longer than")

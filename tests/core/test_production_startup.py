"""Production refuses to start without what it needs, in one sentence and exit status 2.

Each test starts the real program an operator runs (gunicorn, a Celery worker, beat,
``manage.py``) in a subprocess with production settings, leaves one required setting out or
wrong, and reads what the operator would read.
"""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# A database that answers nothing: every check here must stop before it is needed.
NOWHERE = "postgresql://casework@127.0.0.1:9/casework"


def production(**overrides: str) -> dict[str, str]:
    settings = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "casework.example",
        "DATABASE_URL": NOWHERE,
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "CASEWORK_BASE_URL": "https://casework.example",
        "CASEWORK_EMAIL_BACKEND": "smtp",
        "CASEWORK_KEK": base64.b64encode(secrets.token_bytes(32)).decode(),
        "CASEWORK_FINGERPRINT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    settings.update(overrides)
    return {name: value for name, value in settings.items() if value is not None}


def start(command: list[str], env: dict[str, str], timeout: int = 90):
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CASEWORK_"))
        or name == "CASEWORK_PGDATA"
    }
    environment.update(env)
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )


def manage(*args: str, env: dict[str, str]):
    return start([sys.executable, "manage.py", *args], env)


def assert_refused(result, sentence: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    ours = [line for line in result.stderr.splitlines() if line.startswith("casework: ")]
    assert len(ours) == 1, result.stderr
    assert sentence in ours[0]


@pytest.mark.parametrize(
    ("missing", "sentence"),
    [
        ({"CELERY_BROKER_URL": None}, "CELERY_BROKER_URL must be set in production"),
        (
            {"CELERY_BROKER_URL": "filesystem://localhost//"},
            "CELERY_BROKER_URL must be a Redis or RabbitMQ URL in production",
        ),
        ({"CASEWORK_BASE_URL": None}, "CASEWORK_BASE_URL must be set in production"),
        (
            {"CASEWORK_BASE_URL": "http://casework.example"},
            "CASEWORK_BASE_URL='http://casework.example' must be an address such as https://",
        ),
        ({"CASEWORK_EMAIL_BACKEND": None}, "CASEWORK_EMAIL_BACKEND must be set in production"),
        (
            {"CASEWORK_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "delivers no e-mail: use smtp or file in production",
        ),
        (
            {"CASEWORK_EMAIL_BACKEND": "file"},
            "CASEWORK_EMAIL_FILE_PATH must name the folder the file e-mail backend writes into",
        ),
        ({"CASEWORK_KEK": None}, "CASEWORK_KEK or CASEWORK_KEK_FILE must hold"),
        (
            {"CASEWORK_FINGERPRINT_KEY": None},
            "CASEWORK_FINGERPRINT_KEY or CASEWORK_FINGERPRINT_KEY_FILE must hold",
        ),
    ],
    ids=[
        "no-broker",
        "filesystem-broker",
        "no-base-url",
        "http-base-url",
        "no-email",
        "console",
        "file-without-folder",
        "no-kek",
        "no-fingerprint-key",
    ],
)
def test_manage_py_refuses_a_missing_or_wrong_required_setting(missing, sentence):
    assert_refused(manage("check", env=production(**missing)), sentence)


def test_gunicorn_stops_instead_of_restarting_workers_forever():
    result = start(
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "-c",
            "python:config.gunicorn",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "2",
        ],
        production(CELERY_BROKER_URL=None),
    )
    assert_refused(result, "CELERY_BROKER_URL must be set in production")


def test_beat_refuses_to_start_without_the_base_url():
    result = start(
        [str(BIN / "celery"), "-A", "config", "beat"], production(CASEWORK_BASE_URL=None)
    )
    assert_refused(result, "CASEWORK_BASE_URL must be set in production")


def test_a_worker_refuses_to_start_without_the_signing_key_variable():
    result = start([str(BIN / "celery"), "-A", "config", "worker"], production())
    assert_refused(
        result, "CASEWORK_AUDIT_SIGNING_KEY_FILE must name the audit signing key in production"
    )


def test_a_worker_refuses_a_signing_key_that_does_not_exist(tmp_path):
    key = tmp_path / "audit-signing-key.pem"
    result = start(
        [str(BIN / "celery"), "-A", "config", "worker"],
        production(CASEWORK_AUDIT_SIGNING_KEY_FILE=str(key)),
    )
    assert_refused(
        result,
        f"The audit signing key {key} does not exist: create it with 'python manage.py "
        f"audit_keygen {key}'",
    )


def test_a_worker_refuses_a_file_that_is_not_a_signing_key(tmp_path):
    key = tmp_path / "audit-signing-key.pem"
    key.write_text("not a key\n")
    result = start(
        [str(BIN / "celery"), "-A", "config", "worker"],
        production(CASEWORK_AUDIT_SIGNING_KEY_FILE=str(key)),
    )
    assert_refused(result, f"The audit signing key {key} is not an unencrypted PEM private key")


def test_verify_audit_needs_the_signing_key_but_web_commands_do_not(tmp_path):
    key = tmp_path / "missing.pem"
    env = production(CASEWORK_AUDIT_SIGNING_KEY_FILE=str(key))
    assert_refused(manage("verify_audit", env=env), f"The audit signing key {key} does not exist")
    # The web tier holds no key: its checks pass without one.
    assert manage("check", env=production()).returncode == 0


def test_audit_keygen_makes_the_key_the_worker_then_accepts(tmp_path):
    key = tmp_path / "keys" / "audit-signing-key.pem"
    env = production(
        CASEWORK_AUDIT_SIGNING_KEY_FILE=str(key), CASEWORK_AUDIT_LOG_ORIGIN="casework.example/audit"
    )
    made = manage("audit_keygen", str(key), env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("casework.example/audit+")
    assert key.stat().st_mode & 0o777 == 0o600
    # With the key in place the worker passes its checks and goes on to what it needs next.
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(8)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output = worker.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0]
    # Past the signing-key check, the worker's next need is the database, where it checks the
    # privacy key (casework.privacy.startup): here there is none, and that is all it says.
    assert "signing key" not in output.lower(), output
    refusals = [line for line in output.splitlines() if line.startswith("casework: ")]
    assert all("Cannot connect to the database" in line for line in refusals), output


def test_the_file_email_backend_writes_each_message_into_its_folder(tmp_path):
    folder = tmp_path / "outgoing-mail"
    result = manage(
        "sendtestemail",
        "someone@casework.invalid",
        env={"CASEWORK_EMAIL_BACKEND": "file", "CASEWORK_EMAIL_FILE_PATH": str(folder)},
    )
    assert result.returncode == 0, result.stderr
    written = list(folder.iterdir())
    assert len(written) == 1
    assert "To: someone@casework.invalid" in written[0].read_text()


def test_beat_creates_the_folder_of_its_schedule(tmp_path):
    schedule = tmp_path / "not" / "there" / "yet" / "celerybeat-schedule"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
        "CELERY_BROKER_URL": "memory://",
        "CASEWORK_BEAT_SCHEDULE_FILE": str(schedule),
    }
    beat = subprocess.Popen(
        [str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(schedule.parent.glob("celerybeat-*")):
            assert beat.poll() is None, beat.stdout.read()
            time.sleep(0.5)
    finally:
        beat.send_signal(signal.SIGTERM)
        try:
            beat.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            beat.kill()
            beat.communicate()
    assert any(schedule.parent.glob("celerybeat-*")), "beat wrote no schedule"

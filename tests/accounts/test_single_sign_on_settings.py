"""Single sign-on is configured by the environment and refused at start-up when inconsistent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ConfigurationError
from config.oidc import oidc_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "client-secret"
    path.write_text("synthetic-client-secret\n")
    return path


@pytest.fixture
def configured(monkeypatch, secret_file):
    monkeypatch.setenv("CASEWORK_OIDC_ISSUER", "https://id.agency.invalid/realms/casework/")
    monkeypatch.setenv("CASEWORK_OIDC_CLIENT_ID", "casework")
    monkeypatch.setenv("CASEWORK_OIDC_CLIENT_SECRET_FILE", str(secret_file))
    return monkeypatch


def test_it_is_off_when_no_issuer_is_set(monkeypatch):
    for name in list(os.environ):
        if name.startswith("CASEWORK_OIDC_"):
            monkeypatch.delenv(name)
    assert oidc_settings(production=True) == {
        "CASEWORK_OIDC_ENABLED": False,
        "CASEWORK_OIDC_ONLY": False,
    }


def test_a_complete_configuration_turns_on_pkce_nonce_and_the_secret_from_its_file(configured):
    values = oidc_settings(production=True)
    # Kept exactly: the ID token's iss is compared with it character for character.
    assert values["CASEWORK_OIDC_ISSUER"] == "https://id.agency.invalid/realms/casework/"
    assert values["OIDC_RP_CLIENT_SECRET"] == "synthetic-client-secret"
    assert values["OIDC_USE_PKCE"] and values["OIDC_USE_NONCE"]
    assert values["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert values["CASEWORK_OIDC_CREATE_USERS"] is False


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"CASEWORK_OIDC_CLIENT_ID": None}, "CASEWORK_OIDC_CLIENT_ID is not"),
        ({"CASEWORK_OIDC_CLIENT_SECRET_FILE": None}, "CASEWORK_OIDC_CLIENT_SECRET_FILE is not"),
        ({"CASEWORK_OIDC_CLIENT_SECRET_FILE": "/nonexistent/secret"}, "cannot be read"),
        ({"CASEWORK_OIDC_ISSUER": "id.agency.invalid"}, "is not a URL"),
        ({"CASEWORK_OIDC_ISSUER": "http://id.agency.invalid"}, "must use https in production"),
        ({"CASEWORK_OIDC_SCOPES": "profile,email"}, "must include openid"),
        ({"CASEWORK_OIDC_SECOND_FACTOR": "sometimes"}, "must be one of either"),
        ({"CASEWORK_OIDC_SIGNING_ALGORITHM": "HS256"}, "must be one of RS256"),
        (
            {"CASEWORK_OIDC_SECOND_FACTOR": "provider", "CASEWORK_OIDC_MFA_AMR": ""},
            "which reported methods count",
        ),
    ],
)
def test_an_inconsistent_configuration_is_refused_in_one_sentence(configured, change, fragment):
    for name, value in change.items():
        if value is None:
            configured.delenv(name)
        else:
            configured.setenv(name, value)
    with pytest.raises(ConfigurationError) as refused:
        oidc_settings(production=True)
    message = str(refused.value)
    assert fragment in message
    assert "\n" not in message and message.endswith(".")


def test_an_empty_secret_file_is_refused(configured, secret_file):
    secret_file.write_text("\n")
    with pytest.raises(ConfigurationError, match="is empty"):
        oidc_settings(production=False)


def test_a_client_id_without_an_issuer_is_refused(monkeypatch):
    monkeypatch.delenv("CASEWORK_OIDC_ISSUER", raising=False)
    monkeypatch.setenv("CASEWORK_OIDC_CLIENT_ID", "casework")
    with pytest.raises(ConfigurationError, match="CASEWORK_OIDC_ISSUER is not"):
        oidc_settings(production=False)


def test_the_process_stops_with_the_sentence_and_no_traceback(tmp_path):
    env = {
        **os.environ,
        "CASEWORK_OIDC_ISSUER": "https://id.agency.invalid",
        "CASEWORK_OIDC_CLIENT_ID": "casework",
        "CASEWORK_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "missing"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CASEWORK_OIDC_CLIENT_SECRET_FILE" in result.stderr
    assert "cannot be read" in result.stderr
    assert "Traceback" not in result.stderr

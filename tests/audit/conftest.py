"""Audit fixtures: a private signing key and checkpoint directory per test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _audit_files(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "audit-signing-key.pem")
    settings.AUDIT_SIGN_SECONDS = 0
    settings.AUDIT_LOG_ORIGIN = "casework.invalid/audit-test"
    return tmp_path


@pytest.fixture
def superuser_cursor():
    """A cursor that may tamper: the connection's triggers are off (session_replication_role).

    The tests connect as the PostgreSQL superuser (the embedded cluster's ``postgres``), which
    is the attacker the ledger is built to expose: one who can switch the guard off.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            yield cursor
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")

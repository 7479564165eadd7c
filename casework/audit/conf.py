"""Audit settings, from Django settings (``config/settings.py`` reads the environment).

``CASEWORK_AUDIT_SIGNING_KEY_FILE``  Ed25519 private key (PEM, PKCS#8). Never in the database.
    In development a key is generated under ``var/audit/`` on first use; in production the
    variable must be set and the file must exist.
``CASEWORK_AUDIT_CHECKPOINT_DIR``   where signed checkpoints are written (default
    ``var/audit/checkpoints``); point it at storage the database administrators cannot write.
``CASEWORK_AUDIT_LOG_ORIGIN``       the log's name in every checkpoint.
``CASEWORK_AUDIT_SIGN_SECONDS``     at most how often a new checkpoint is signed (default 60).
``CASEWORK_AUDIT_SEAL_ALERT_SECONDS`` the age of the oldest unsealed event that raises the
    "sealing is behind" alert (default 300).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def _setting(name: str, default):
    value = getattr(settings, name, None)
    return default if value is None or value == "" else value


def var_dir() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var"))


def is_production() -> bool:
    return getattr(settings, "DJANGO_ENV", "development") == "production"


def signing_key_file() -> Path | None:
    value = _setting("AUDIT_SIGNING_KEY_FILE", "")
    return Path(value) if value else None


def checkpoint_dir() -> Path:
    value = _setting("AUDIT_CHECKPOINT_DIR", "")
    return Path(value) if value else var_dir() / "audit" / "checkpoints"


def log_origin() -> str:
    return str(_setting("AUDIT_LOG_ORIGIN", "casework.invalid/audit"))


def sign_interval_seconds() -> int:
    return int(_setting("AUDIT_SIGN_SECONDS", 60))


def seal_alert_seconds() -> int:
    return int(_setting("AUDIT_SEAL_ALERT_SECONDS", 300))

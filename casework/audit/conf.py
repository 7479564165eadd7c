"""Audit settings, from Django settings (``config/settings.py`` reads the environment).

``CASEWORK_AUDIT_SIGNING_KEY_FILE``  Ed25519 private key (PEM, PKCS#8). Never in the database.
    In development a key is generated under ``var/audit/`` on first use; in production the
    variable must be set and the file must exist.
``CASEWORK_AUDIT_CHECKPOINT_DIR``   where signed checkpoints are written (default
    ``var/audit/checkpoints``); point it at storage the database administrators cannot write.
``CASEWORK_AUDIT_LOG_ORIGIN``       the log's name in every checkpoint.
``CASEWORK_AUDIT_SIGN_SECONDS``     at most how often a new checkpoint is signed (default 60).
``CASEWORK_AUDIT_LOG_PUBLIC``      ``true`` lets anyone read ``/log/`` (checkpoint, tiles, key), for
    an agency that publishes its log to witnesses; default: signed-in users and API tokens.
``CASEWORK_AUDIT_VERIFIER_KEY``     the log's verifier key as served at ``/log/key`` (default: the
    ``verifier.key`` the sealer writes beside its checkpoints).
``CASEWORK_AUDIT_WITNESSES``       witnesses asked to cosign each new checkpoint: entries
    ``<add-checkpoint URL> <witness verifier key>`` separated by ``;``.
``CASEWORK_WITNESS_NAME``          this installation's name as a witness of partners' logs.
``CASEWORK_WITNESS_SIGNING_KEY_FILE`` its Ed25519 cosigning key (PEM; generated under ``var/`` in
    development, required in production once it witnesses a log).
``CASEWORK_WITNESS_LOGS``          partner logs it witnesses: their verifier keys (the key name is
    the log's origin), separated by spaces or commas.
``CASEWORK_AUDIT_SEAL_ALERT_SECONDS`` the age of the oldest unsealed event that raises the
    "sealing is behind" alert (default 300).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


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


def log_public() -> bool:
    value = _setting("AUDIT_LOG_PUBLIC", False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
        raise ImproperlyConfigured(
            f"CASEWORK_AUDIT_LOG_PUBLIC={value!r} is not a boolean: use true or false."
        )
    return text in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Witness:
    """A witness this log asks for cosignatures: where to post, and its verifier key."""

    url: str
    key: str


def witnesses() -> list[Witness]:
    """``AUDIT_WITNESSES`` (a list of ``{"url", "key"}``) or ``CASEWORK_AUDIT_WITNESSES``."""
    value = _setting("AUDIT_WITNESSES", "")
    if isinstance(value, list | tuple):
        return [Witness(url=item["url"], key=item["key"]) for item in value]
    found = []
    for entry in str(value).split(";"):
        if not entry.strip():
            continue
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                f"CASEWORK_AUDIT_WITNESSES entry {entry.strip()!r} is not "
                "'<add-checkpoint URL> <witness verifier key>'."
            )
        found.append(Witness(url=parts[0], key=parts[1]))
    return found


def witness_name() -> str:
    return str(_setting("WITNESS_NAME", "casework.invalid/witness"))


def witness_signing_key_file() -> Path | None:
    value = _setting("WITNESS_SIGNING_KEY_FILE", "")
    return Path(value) if value else None


def witnessed_logs() -> list[str]:
    """Verifier keys of the partner logs this installation witnesses."""
    value = _setting("WITNESS_LOGS", "")
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value).replace(",", " ").split()


def published_verifier_key() -> str:
    return str(_setting("AUDIT_VERIFIER_KEY", "")).strip()

"""The checkpoint signing key: an Ed25519 key kept outside the database.

Threat: whoever can write the database could rewrite the ledger and re-seal it. They cannot
re-sign it without this key, so the key lives in a file (production: a path from
``CASEWORK_AUDIT_SIGNING_KEY_FILE``, readable by the sealer only), never in a table.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.core.exceptions import ImproperlyConfigured

from . import conf, notes


def key_path() -> Path:
    configured = conf.signing_key_file()
    if configured is not None:
        return configured
    if conf.is_production():
        raise ImproperlyConfigured(
            "CASEWORK_AUDIT_SIGNING_KEY_FILE must name the audit signing key in production "
            "(python manage.py audit_keygen PATH creates one)."
        )
    return conf.var_dir() / "audit" / "signing-key.pem"


def generate(path: Path) -> Ed25519PrivateKey:
    """Write a new key to ``path``, readable by its owner only; ``FileExistsError`` if a file is
    there already (a key is never overwritten: checkpoints it signed would stop verifying)."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        # Whatever the umask left, the key is the owner's alone.
        os.fchmod(handle.fileno(), 0o600)
        handle.write(pem)
    return key


def problem(path: Path) -> str | None:
    """Why the key at ``path`` cannot sign checkpoints, in one sentence; None when it can."""
    if not path.exists():
        return (
            f"The audit signing key {path} does not exist: create it with "
            f"'python manage.py audit_keygen {path}'."
        )
    if not path.is_file() or not os.access(path, os.R_OK):
        return (
            f"The audit signing key {path} cannot be read by this user: make it a file owned by "
            "the user the workers run as, with permissions 0600."
        )
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        return f"The audit signing key {path} is not an unencrypted PEM private key."
    if not isinstance(key, Ed25519PrivateKey):
        return f"The audit signing key {path} is not an Ed25519 key."
    return None


def signing_key() -> Ed25519PrivateKey:
    return _load(key_path())


def _load(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 key in ``path``, made there first in development; in production a missing
    or unusable key stops with ``problem``'s sentence."""
    if not path.exists() and not conf.is_production():
        try:
            return generate(path)
        except FileExistsError:  # another process generated it a moment ago
            pass
    trouble = problem(path)
    if trouble:
        raise ImproperlyConfigured(trouble)
    return signing_key_at(path)


def signing_key_at(path: Path) -> Ed25519PrivateKey:
    """The key in ``path``, which ``problem(path)`` found usable."""
    key = load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def published_verifier_key() -> str:
    """The verifier key the web serves at ``/log/key``, without reading the private key.

    The signing key is readable by the sealer only, not by web processes, so: the setting
    ``CASEWORK_AUDIT_VERIFIER_KEY`` when given, else the ``verifier.key`` the sealer writes
    beside its checkpoints, else (development, or a web process that can read the key) the
    key derived from the signing key.
    """
    configured = conf.published_verifier_key()
    if configured:
        return configured
    written = conf.checkpoint_dir() / "verifier.key"
    if written.exists():
        return written.read_text(encoding="utf-8").strip()
    return verifier_key()


def witness_key() -> Ed25519PrivateKey:
    """The key this installation cosigns partners' checkpoints with (never the log's key:
    a cosignature and a checkpoint signature are different statements)."""
    configured = conf.witness_signing_key_file()
    if configured is None:
        if conf.is_production():
            raise ImproperlyConfigured(
                "CASEWORK_WITNESS_SIGNING_KEY_FILE must name the witness key in production "
                "when CASEWORK_WITNESS_LOGS is set."
            )
        configured = conf.var_dir() / "audit" / "witness-key.pem"
    return _load(configured)


def witness_verifier_key() -> str:
    from . import cosignatures

    return cosignatures.verifier_key(conf.witness_name(), witness_key().public_key())


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def verifier_key(key: Ed25519PrivateKey | None = None) -> str:
    """The published verifier key (``name+keyid+base64``) for checkpoints of this log."""
    return notes.verifier_key(conf.log_origin(), (key or signing_key()).public_key())

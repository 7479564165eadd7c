"""Key custody: the key-encryption key (KEK) and the installation's fingerprint key.

Threat: a copy of the database (a backup, a replica, a dump handed to a contractor) must not
read out who is under investigation. So identifying values are encrypted under per-record data
keys, and the data keys are stored only *wrapped* by a KEK that never enters the database. The
KEK sits behind ``KeyEncryptionKey``, a three-member interface a KMS or HSM adapter implements
(wrap, unwrap, key id); ``LocalKek`` reads a 32-byte key from ``CASEWORK_KEK`` (base64) or the
file ``CASEWORK_KEK_FILE``. Lookups compare keyed fingerprints (HMAC-SHA-256) under a separate
fingerprint key, so a database copy alone cannot test guesses ("is 192.0.2.1 in here?") the way
it could against a plain SHA-256.

In development both keys are generated under ``var/privacy/`` on first use; production refuses
to start without them (``config/required.py``), and every process checks at start-up that the
KEK opens this installation's data keys (``casework.privacy.startup``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from config.env import ConfigurationError

KEY_BYTES = 32
_WRAP_CONTEXT = b"casework.privacy.data-key.v1"


class KeyEncryptionKey(Protocol):
    """What Casework asks of whatever holds the KEK (local file, KMS, HSM).

    ``wrap`` and ``unwrap`` take the data key's owner label (``case:42``) as associated data,
    so a wrapped key copied onto another record does not unwrap. ``key_id`` names the KEK
    (stored beside every wrapped key) so rotation knows what is still to be re-wrapped.
    """

    key_id: str

    def wrap(self, data_key: bytes, *, owner: str) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, owner: str) -> bytes: ...


class LocalKek:
    """A KEK held in this process's memory (AES-256-GCM key wrapping with a random nonce)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ConfigurationError(f"The key-encryption key must be {KEY_BYTES} bytes.")
        self._aead = AESGCM(key)
        # A short public name: the first bytes of a hash of the key (identifies, never reveals).
        self.key_id = "local:" + hashlib.sha256(b"kek-id\x00" + key).hexdigest()[:16]

    def wrap(self, data_key: bytes, *, owner: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data_key, _WRAP_CONTEXT + owner.encode())

    def unwrap(self, wrapped: bytes, *, owner: str) -> bytes:
        nonce, body = bytes(wrapped[:12]), bytes(wrapped[12:])
        return self._aead.decrypt(nonce, body, _WRAP_CONTEXT + owner.encode())


def decode_key(text: str, *, name: str) -> bytes:
    """A 32-byte key from its base64 text; ``ConfigurationError`` naming ``name`` otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            f"{name} must be {KEY_BYTES} random bytes in base64 (make one with "
            "'python -c \"import os,base64;print(base64.b64encode(os.urandom(32)).decode())\"')."
        )
    return key


def new_key_text() -> str:
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def _development_key(name: str) -> bytes:
    path = Path(settings.VAR_DIR) / "privacy" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_text() + "\n")
    return decode_key(path.read_text(), name=str(path))


def _configured_key(*, env: str, file_env: str, dev_name: str) -> bytes:
    text = getattr(settings, env, "")
    file_name = getattr(settings, file_env, "")
    if text:
        return decode_key(text, name=env)
    if file_name:
        path = Path(file_name)
        if not path.is_file():
            raise ConfigurationError(f"{file_env}={file_name!r} names no readable file.")
        return decode_key(path.read_text(), name=file_env)
    if settings.PRODUCTION:
        raise ConfigurationError(
            f"{env} or {file_env} must hold this installation's key in production."
        )
    return _development_key(dev_name)


@cache
def current_kek() -> KeyEncryptionKey:
    """The KEK of this process (``CASEWORK_KEK`` / ``CASEWORK_KEK_FILE``)."""
    return LocalKek(
        _configured_key(env="CASEWORK_KEK", file_env="CASEWORK_KEK_FILE", dev_name="kek")
    )


@cache
def fingerprint_key() -> bytes:
    """The installation's fingerprint key: separate from the KEK, so rotating the KEK does not
    recompute every fingerprint, and a leaked fingerprint key does not decrypt anything."""
    return _configured_key(
        env="CASEWORK_FINGERPRINT_KEY",
        file_env="CASEWORK_FINGERPRINT_KEY_FILE",
        dev_name="fingerprint-key",
    )


def reset_caches() -> None:
    """Forget the keys read (tests, and the rotation command after it switched KEK)."""
    current_kek.cache_clear()
    fingerprint_key.cache_clear()

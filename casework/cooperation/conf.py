"""This installation's cooperation keys and names, from settings.

``CASEWORK_COOP_SIGNING_KEY_FILE``  our Ed25519 private key (PEM, PKCS#8) that signs the pointer
    sets we send. Generated under ``var/cooperation/`` in development; required in production.
``CASEWORK_COOP_GROUP_KEYS_FILE``   the pointer-sharing group's HMAC keys: one per line,
    ``<key id> <base64 of at least 32 random bytes>``; the last line is the current key (used
    for what we send), earlier lines stay readable while the group rotates. Generated in
    development; in production the group's coordinator hands it to each member.
``CASEWORK_COOP_ISSUER``            our name in every set we sign, as partners register it.
``CASEWORK_COOP_AGENCY``            our agency's name as partners' leads are shown it.

Why one HMAC key per *group* and not per partnership: with per-partnership keys, each export
is computed N times and a pointer cannot be matched across three agencies at once. The cost —
every member can test guesses against every member's set — is the same trust the group already
places in its members; a member that leaves is revoked and the group rotates its key.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from casework.partners.key_services import key_id_of

_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


@dataclass(frozen=True)
class GroupKey:
    key_id: str
    secret: bytes


def _production() -> bool:
    return getattr(settings, "DJANGO_ENV", "development") == "production"


def _var() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "cooperation"


def issuer() -> str:
    if not settings.COOP_ISSUER:
        raise ImproperlyConfigured(
            "This installation does not share pointers: set CASEWORK_COOP_ISSUER and the key "
            "files (docs/cooperation.md)."
        )
    return settings.COOP_ISSUER


def agency_name() -> str:
    return settings.COOP_AGENCY


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _path(setting: str, default_name: str, variable: str) -> Path:
    configured = getattr(settings, setting, "")
    if configured:
        return Path(configured)
    if _production():
        raise ImproperlyConfigured(f"{variable} must be set in production (docs/cooperation.md).")
    return _var() / default_name


def signing_key() -> Ed25519PrivateKey:
    path = _path("COOP_SIGNING_KEY_FILE", "signing-key.pem", "CASEWORK_COOP_SIGNING_KEY_FILE")
    if not path.exists() and not _production():
        key = Ed25519PrivateKey.generate()
        _write_private(path, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        raise ImproperlyConfigured(
            f"The cooperation signing key {path} is missing or not an unencrypted PEM key: "
            "create one with 'python manage.py pointers_keygen'."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The cooperation signing key {path} is not an Ed25519 key.")
    return key


def public_key_base64(key: Ed25519PrivateKey | None = None) -> str:
    raw = (key or signing_key()).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def signing_key_id(key: Ed25519PrivateKey | None = None) -> str:
    raw = (key or signing_key()).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return key_id_of(raw)


def parse_group_keys(text: str, *, source: str) -> list[GroupKey]:
    keys: list[GroupKey] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        secret = b""
        if len(parts) == 2 and _KEY_ID.match(parts[0]):
            try:
                secret = base64.b64decode(parts[1], validate=True)
            except (binascii.Error, ValueError):
                secret = b""
        if len(secret) < 32:
            raise ImproperlyConfigured(
                f"{source}:{number}: a line is '<key id> <base64 of at least 32 random bytes>'."
            )
        keys.append(GroupKey(parts[0], secret))
    if not keys:
        raise ImproperlyConfigured(f"{source}: no pointer-sharing key in the file.")
    return keys


def group_keys() -> list[GroupKey]:
    """Every group key we hold, the current (last) one last."""
    path = _path("COOP_GROUP_KEYS_FILE", "group-keys", "CASEWORK_COOP_GROUP_KEYS_FILE")
    if not path.exists() and not _production():
        secret = base64.b64encode(secrets.token_bytes(32)).decode()
        _write_private(path, f"dev-1 {secret}\n".encode())
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise ImproperlyConfigured(f"The pointer-sharing key file {path} cannot be read.") from None
    return parse_group_keys(text, source=str(path))


def current_group_key() -> GroupKey:
    return group_keys()[-1]


def group_key(key_id: str) -> GroupKey | None:
    return next((key for key in group_keys() if key.key_id == key_id), None)

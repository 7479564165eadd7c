"""Writes of the privacy app: data keys made, destroyed (crypto-shredding) and re-wrapped."""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, transaction
from django.utils import timezone

from casework.audit.services import audit_record
from casework.core.bulk import copy_rows
from casework.core.errors import DomainError
from casework.core.validation import clean_text

from .keys import KEY_BYTES, KeyEncryptionKey, current_kek, fingerprint_key
from .models import DataKey, KeyCheck, KeyScope
from .selectors import ciphers_for

CHECK_PLAINTEXT = b"casework key check v1"
_DATA_KEYS = DataKey._meta.db_table
CHECK_OWNER = "key-check"


def kek_check_value(kek: KeyEncryptionKey) -> bytes:
    return kek.wrap(CHECK_PLAINTEXT, owner=CHECK_OWNER)


def fingerprint_check_value(key: bytes) -> bytes:
    return hmac.new(key, CHECK_PLAINTEXT, "sha256").digest()


def key_check_ensure() -> None:
    """Record the key-check value on first use (a fresh installation has none yet)."""
    if KeyCheck.objects.exists():
        return
    kek = current_kek()
    KeyCheck.objects.bulk_create(
        [
            KeyCheck(
                id=1,
                kek_id=kek.key_id,
                kek_check=kek_check_value(kek),
                fingerprint_check=fingerprint_check_value(fingerprint_key()),
            )
        ],
        ignore_conflicts=True,
    )


def data_keys_ensure(scope: str, owner_ids: Iterable[int]) -> dict[int, AESGCM | None]:
    """The cipher of each owner's data key, making the keys that do not exist yet (one insert
    for all of them; concurrent callers agree through the unique constraint). A destroyed key
    stays destroyed: its owner maps to ``None`` and nothing can be written under it.

    A bulk import makes a key per referral, so the ids travel as one array parameter each way
    (a query with a placeholder per id costs more to build than to run), and the keys this call
    made are used as made instead of being read back and unwrapped.
    """
    ids = sorted({int(i) for i in owner_ids})
    if not ids:
        return {}
    key_check_ensure()
    kek = current_kek()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT owner_id FROM {_DATA_KEYS} WHERE scope = %s AND owner_id = ANY(%s)",
            [scope, ids],
        )
        existing = {row[0] for row in cursor.fetchall()}
    missing = [i for i in ids if i not in existing]
    made: dict[int, AESGCM | None] = {}
    if missing:
        keys = {owner_id: os.urandom(KEY_BYTES) for owner_id in missing}
        wrapped = [kek.wrap(keys[owner_id], owner=f"{scope}:{owner_id}") for owner_id in missing]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_DATA_KEYS} (scope, owner_id, wrapped_key, kek_id, created_at,"
                " destroyed_reason) SELECT %s, owner_id, wrapped_key, %s, now(), ''"
                " FROM unnest(%s::bigint[], %s::bytea[]) AS made(owner_id, wrapped_key)"
                " ON CONFLICT ON CONSTRAINT data_key_owner DO NOTHING RETURNING owner_id",
                [scope, kek.key_id, missing, wrapped],
            )
            made = {row[0]: AESGCM(keys[row[0]]) for row in cursor.fetchall()}
    # Keys that existed, and any a concurrent caller made first: read and unwrapped.
    return {**ciphers_for(scope, [i for i in ids if i not in made]), **made}


@dataclass(frozen=True)
class NewDataKeys:
    """Data keys made in memory for owners that cannot have one yet, until ``data_keys_write``
    stores them: their rows (owner id, wrapped key) and the cipher of each."""

    scope: str
    kek_id: str
    wrapped: list[tuple[int, bytes]]
    ciphers: dict[int, AESGCM]


def data_keys_make(scope: str, owner_ids: Sequence[int]) -> NewDataKeys:
    """A new data key for each owner, wrapped by the current KEK; no query.

    For owners whose ids were just taken from their table's sequence (a bulk import's
    referrals), which no one else can have made a key for: a bulk import makes them in the
    thread that encrypts the identifiers, and its writing thread only copies them in. An owner
    that has a key after all makes ``data_keys_write`` fail on the unique constraint, and the
    import with it; ``data_keys_ensure`` is the form for owners that may have one.
    """
    kek = current_kek()
    keys = [(owner_id, os.urandom(KEY_BYTES)) for owner_id in owner_ids]
    return NewDataKeys(
        scope=scope,
        kek_id=kek.key_id,
        wrapped=[(owner_id, kek.wrap(key, owner=f"{scope}:{owner_id}")) for owner_id, key in keys],
        ciphers={owner_id: AESGCM(key) for owner_id, key in keys},
    )


def data_keys_write(made: NewDataKeys) -> None:
    """Store the keys ``data_keys_make`` made, with one ``COPY``."""
    key_check_ensure()
    now = timezone.now()
    copy_rows(
        _DATA_KEYS,
        ["scope", "owner_id", "wrapped_key", "kek_id", "created_at", "destroyed_reason"],
        [(made.scope, owner_id, key, made.kek_id, now, "") for owner_id, key in made.wrapped],
    )


def data_key_cipher(scope: str, owner_id: int) -> AESGCM:
    """The cipher to write a new value of ``owner_id`` under; refused once its key is gone."""
    cipher = data_keys_ensure(scope, [owner_id])[owner_id]
    if cipher is None:
        raise DomainError(f"This {scope}'s personal data was disposed: nothing can be added.")
    return cipher


@transaction.atomic
def data_key_destroy(*, actor, case=None, referral=None, reason: str) -> DataKey | None:
    """Crypto-shredding: overwrite the wrapped data key of ``case`` or ``referral``.

    Every value encrypted under it, in its table and in every ledger event that copied the
    ciphertext, becomes unreadable for good; readers show "[disposed]". Idempotent: destroying
    a destroyed key changes nothing and is not audited twice. Returns the key row (None when
    the record never had personal values encrypted).
    """
    if (case is None) == (referral is None):
        raise DomainError("Name one case or one referral whose data key to destroy.")
    reason = clean_text(reason, field="reason", max_length=300, required=True)
    scope, owner = (KeyScope.CASE, case) if case is not None else (KeyScope.REFERRAL, referral)
    key = DataKey.objects.select_for_update().filter(scope=scope, owner_id=owner.pk).first()
    if key is None:
        # Make a destroyed key, so no value can be written under this owner afterwards.
        key = DataKey.objects.create(
            scope=scope,
            owner_id=owner.pk,
            wrapped_key=None,
            kek_id="",
            destroyed_at=timezone.now(),
            destroyed_reason=reason,
        )
    elif key.destroyed_at is not None:
        return key
    else:
        key.wrapped_key = None
        key.destroyed_at = timezone.now()
        key.destroyed_reason = reason
        key.save(update_fields=["wrapped_key", "destroyed_at", "destroyed_reason"])
    audit_record(
        actor=actor,
        action="data_key.destroy",
        target=key,
        case_id=owner.pk if scope == KeyScope.CASE else None,
        reason=reason,
        details={"scope": scope, "owner_id": owner.pk},
    )
    return key


def _opens(kek: KeyEncryptionKey, check_value: bytes) -> bool:
    try:
        return kek.unwrap(check_value, owner=CHECK_OWNER) == CHECK_PLAINTEXT
    except (InvalidTag, ValueError):
        return False


def _rewrap_batch(old: KeyEncryptionKey, new: KeyEncryptionKey, batch_size: int) -> int:
    """Re-wrap up to ``batch_size`` keys still under ``old``; one transaction, rows locked."""
    with transaction.atomic():
        keys = list(
            DataKey.objects.select_for_update(skip_locked=True)
            .filter(destroyed_at__isnull=True, kek_id=old.key_id)
            .order_by("id")[:batch_size]
        )
        for key in keys:
            plain = old.unwrap(bytes(key.wrapped_key), owner=key.owner_label)
            key.wrapped_key = new.wrap(plain, owner=key.owner_label)
            key.kek_id = new.key_id
        DataKey.objects.bulk_update(keys, ["wrapped_key", "kek_id"])
    return len(keys)


def kek_rotate(
    *, actor, old: KeyEncryptionKey, new: KeyEncryptionKey, batch_size: int = 1000, progress=None
) -> int:
    """Re-wrap every live data key from ``old`` to ``new`` KEK, batch by batch.

    Resumable: a key already under ``new`` is skipped (by ``kek_id``), so a run that stopped
    is simply started again. The key check moves to ``new`` only when no key is left under
    ``old``, and the whole rotation is one audit event (the values themselves never change).
    """
    check = KeyCheck.objects.filter(id=1).first()
    if check is not None and not any(_opens(kek, bytes(check.kek_check)) for kek in (old, new)):
        raise DomainError("The old key does not open this installation's data keys.")
    done = 0
    while True:
        count = _rewrap_batch(old, new, batch_size)
        done += count
        if progress is not None:
            progress(done)
        if count < batch_size:
            break
    left = DataKey.objects.filter(destroyed_at__isnull=True).exclude(kek_id=new.key_id).count()
    if left:
        raise DomainError(f"{left} data key(s) are under neither KEK: run the rotation again.")
    with transaction.atomic():
        KeyCheck.objects.update_or_create(
            id=1,
            defaults={
                "kek_id": new.key_id,
                "kek_check": kek_check_value(new),
                "fingerprint_check": fingerprint_check_value(fingerprint_key()),
            },
        )
        audit_record(
            actor=actor,
            action="kek.rotate",
            object_type="privacy.datakey",
            details={"from": old.key_id, "to": new.key_id, "rewrapped": done},
        )
    return done

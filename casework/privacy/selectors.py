"""Reading data keys: one query for all the owners a page shows, unwrapped in this process.

Keys are not cached between requests: a destroyed key must stop decrypting everywhere at once,
and unwrapping under a local KEK costs microseconds (a KMS adapter should cache on its side).
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db.models.expressions import RawSQL

from .keys import current_kek
from .models import DataKey


def ciphers_for(scope: str, owner_ids: Iterable[int]) -> dict[int, AESGCM | None]:
    """The cipher of each owner's data key; ``None`` for a destroyed (or absent) key."""
    ids = sorted({int(i) for i in owner_ids if i is not None})
    found: dict[int, AESGCM | None] = dict.fromkeys(ids)
    if not ids:
        return found
    kek = current_kek()
    # One array parameter, not a placeholder per id: an import reads thousands at once.
    rows = DataKey.objects.filter(
        scope=scope, owner_id__in=RawSQL("SELECT unnest(%s::bigint[])", [ids])
    ).values_list("owner_id", "wrapped_key")
    for owner_id, wrapped in rows:
        if wrapped is None:
            continue
        try:
            found[owner_id] = AESGCM(kek.unwrap(bytes(wrapped), owner=f"{scope}:{owner_id}"))
        except (InvalidTag, ValueError):
            found[owner_id] = None
    return found


def attach_ciphers(rows: Iterable, *, scope: str, owner_attr: str) -> list:
    """Give each model instance of ``rows`` its owner's cipher (one query for all of them), so
    reading ``raw_value`` on a page costs no query per row."""
    rows = list(rows)
    ciphers = ciphers_for(scope, (getattr(row, owner_attr) for row in rows))
    for row in rows:
        row.__dict__["_privacy_cipher"] = ciphers.get(getattr(row, owner_attr))
    return rows

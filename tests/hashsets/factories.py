"""Synthetic VICS manifests and hash sets made through the register's services."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

from django.utils import timezone

from casework.hashsets import services

_numbers = count(1)


def md5_of(n: int) -> str:
    return f"{n:032x}"


def sha1_of(n: int) -> str:
    return f"{n:040X}"


def vics_entry(n: int, category: int | None = 1, **extra) -> dict:
    entry = {"MediaID": n, "Category": category, "MD5": md5_of(n), "SHA1": sha1_of(n)}
    entry.update(extra)
    return entry


def vics_manifest(entries: list[dict]) -> bytes:
    """A VICS 2.0-shaped manifest, one key per line as the exporting tools write it."""
    document = {
        "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/"
        "Default/$metadata#Media",
        "value": entries,
    }
    return json.dumps(document, indent=2).encode()


def make_hash_set(*, item, actor=None, counts=None, made_at=None, **extra):
    n = next(_numbers)
    return services.hash_set_create(
        actor=actor or item.case.lead,
        item=item,
        set_identifier=extra.pop("set_identifier", f"HS-2026-{n:04d}"),
        store_reference=extra.pop("store_reference", f"DEMS-SET-{n:06d}"),
        made_at=made_at or item.seized_at + timedelta(hours=2),
        algorithms=extra.pop("algorithms", ["md5", "sha1"]),
        counts=counts,
    )


def share(*, hash_set, actor=None, destination="icse", shared_at=None, **extra):
    return services.hash_set_share(
        actor=actor or hash_set.case.lead,
        hash_set=hash_set,
        destination=destination,
        shared_at=shared_at or timezone.now() - timedelta(hours=1),
        **extra,
    )

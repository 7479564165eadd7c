"""Evidence stores, items and chains made through the custody services."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from django.utils import timezone

from casework.custody import services
from casework.custody.models import EvidenceItem, EvidenceStore

SHA256_OF_NOTHING = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MD5_SAMPLE = "d41d8cd98f00b204e9800998ecf8427e"
_numbers = count(1)


def make_store(*, admin, name: str = "Synthetic DEMS", pattern: str = r"^DEMS-\d{4}-\d{6}$"):
    existing = EvidenceStore.objects.filter(name=name).first()
    return existing or services.store_create(actor=admin, name=name, identifier_pattern=pattern)


def make_item(
    *,
    case,
    store,
    actor=None,
    seized_by=None,
    exhibit_number: str | None = None,
    seized_at=None,
    hashes=(("sha256", SHA256_OF_NOTHING),),
    **extra,
) -> EvidenceItem:
    n = next(_numbers)
    actor = actor or case.lead
    return services.item_create(
        actor=actor,
        case=case,
        store=store,
        store_identifier=extra.pop("store_identifier", f"DEMS-2026-{n:06d}"),
        exhibit_number=exhibit_number or f"EXH-{n:03d}",
        kind=extra.pop("kind", "device"),
        seized_at=seized_at or timezone.now() - timedelta(days=2),
        seized_place=extra.pop("seized_place", "Synthetic address 1"),
        seizure_authority=extra.pop("seizure_authority", "SW-2026-0001"),
        seized_by=seized_by or actor,
        seal_numbers=extra.pop("seal_numbers", ["BAG-0001"]),
        hashes=hashes,
        **extra,
    )


def hand_over_and_verify(*, item, released_by, examiner, now):
    """The examiner receives the item (a transfer with its reason) and verifies its hash: the
    two events every report and bundle test shows."""
    services.custody_event_record(
        actor=examiner,
        item=item,
        kind="transferred",
        transfer_reason="Synthetic hand-over for examination",
        started_at=now - timedelta(hours=20),
        released_by=released_by,
        received_by=examiner,
        seal_state="intact",
    )
    services.custody_event_record(
        actor=examiner,
        item=item,
        kind="hash_verified",
        started_at=now - timedelta(hours=5),
        hash_algorithm="sha256",
        hash_value=SHA256_OF_NOTHING,
        tool_name="Synthetic hasher",
        tool_version="2.1",
    )

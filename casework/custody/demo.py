"""Demo evidence: a synthetic evidence store and items with full chains on the cases demo's cases.

Shows a complete chain (seizure, hand-over, examination, return, verified hash, ICSE
submission), a derived disk image, a hash mismatch, a disposal with a second signature, and a
hand-over still awaiting acknowledgement. Idempotent: an item is recognised by its store id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from casework.accounts.models import User
from casework.cases.models import Case

from . import services
from .models import EvidenceItem, EvidenceStore

STORE_NAME = "Synthetic DEMS"
STORE_PATTERN = r"^DEMS-\d{4}-\d{6}$"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
TOOL = {"tool_name": "Synthetic imager", "tool_version": "4.2.1"}


def seed(*, stdout) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=_NAMES)}
    cases = {c.title: c for c in Case.objects.filter(title__startswith="Synthetic case")}
    if len(users) < len(_NAMES) or "Synthetic case N-01" not in cases:
        stdout.write("custody: demo users or cases missing, skipped")
        return
    store = EvidenceStore.objects.filter(name=STORE_NAME).first() or services.store_create(
        actor=users["admin"],
        name=STORE_NAME,
        identifier_pattern=STORE_PATTERN,
        metadata_api_url="https://dems.invalid/api/items/",
    )
    made = 0
    for title, builder in _BUILDERS:
        case = cases.get(title)
        if case is None or case.is_closed:
            continue
        made += builder(store=store, case=case, users=users)
    stdout.write(f"custody: {made} new synthetic evidence items")


_NAMES = ("inv.north", "inv2.north", "sup.north", "inv.south", "sup.south", "admin")


def _ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def _item(*, store, case, identifier, exhibit, actor, days_ago, **extra) -> EvidenceItem | None:
    if EvidenceItem.objects.filter(store=store, store_identifier=identifier).exists():
        return None
    return services.item_create(
        actor=actor,
        case=case,
        store=store,
        store_identifier=identifier,
        exhibit_number=exhibit,
        seized_at=_ago(days_ago),
        seized_place=extra.pop("seized_place", "Synthetic address 12, Northtown"),
        seizure_authority=extra.pop("seizure_authority", "SW-2026-0101"),
        seized_by=actor,
        local_offset_minutes=extra.pop("local_offset_minutes", 0),
        **extra,
    )


def _handover(item, *, actor, frm, to, days_ago, kind="transferred", **extra):
    if kind == "transferred":
        extra.setdefault("transfer_reason", "Handed to the examining officer")
    return services.custody_event_record(
        actor=actor,
        item=item,
        kind=kind,
        started_at=_ago(days_ago),
        ended_at=_ago(days_ago) + timedelta(minutes=40),
        released_by=frm,
        received_by=to,
        seal_state=extra.pop("seal_state", "intact"),
        **extra,
    )


def _north_full_chain(*, store, case, users) -> int:
    inv, inv2, sup = users["inv.north"], users["inv2.north"], users["sup.north"]
    phone = _north_phone(store=store, case=case, inv=inv, inv2=inv2)
    if phone is None:
        return 0
    _north_phone_image(store=store, case=case, inv=inv, phone=phone)
    # A hand-over that the receiver has yet to acknowledge (shows on their home page).
    _handover(phone, actor=inv, frm=inv2, to=sup, days_ago=1, place="Supervisor's safe")
    return 2


def _north_phone(*, store, case, inv, inv2):
    """A phone seized, stored, examined (unsealed, resealed) and returned to the store; None
    when the demo has it already."""
    phone = _item(
        store=store,
        case=case,
        identifier="DEMS-2026-000101",
        exhibit="EXH-001",
        actor=inv,
        days_ago=9,
        kind="device",
        make="Synthetic",
        model_name="Phone X1",
        serial_number="SN-SYN-0001",
        description="Black handset in grey case",
        seal_numbers=["BAG-000101"],
        hashes=[],
    )
    if phone is None:
        return None
    _handover(
        phone,
        actor=inv2,
        frm=inv,
        to=inv2,
        days_ago=8.9,
        place="North Unit property store",
        transport_method="Unit vehicle",
        seal_numbers=["BAG-000101"],
        condition_on_receipt="Bag undamaged",
    )
    _handover(
        phone,
        actor=inv2,
        frm=inv2,
        to=inv,
        days_ago=7,
        kind="checked_out",
        place="North Unit forensic lab",
        purpose="Logical extraction under SW-2026-0101",
        **TOOL,
    )
    services.custody_event_record(
        actor=inv,
        item=phone,
        kind="unsealed",
        started_at=_ago(6.9),
        seal_state="unsealed",
        place="North Unit forensic lab",
        note="Opened for extraction",
    )
    services.custody_event_record(
        actor=inv,
        item=phone,
        kind="sealed",
        started_at=_ago(6.5),
        seal_state="resealed",
        seal_numbers=["BAG-000102"],
        place="North Unit forensic lab",
    )
    _handover(
        phone,
        actor=inv,
        frm=inv,
        to=inv2,
        days_ago=6.4,
        kind="returned",
        place="North Unit property store",
        seal_numbers=["BAG-000102"],
    )
    return phone


def _north_phone_image(*, store, case, inv, phone) -> None:
    """The phone's extraction: verified against the store's hash and submitted to ICSE."""
    image = _item(
        store=store,
        case=case,
        identifier="DEMS-2026-000102",
        exhibit="EXH-001-A",
        actor=inv,
        days_ago=6.8,
        kind="disk_image",
        root_item=phone,
        description="Extraction of EXH-001",
        hashes=[("sha256", SHA256), ("md5", MD5)],
        seal_numbers=[],
    )
    services.custody_event_record(
        actor=inv,
        item=image,
        kind="hash_verified",
        started_at=_ago(6),
        hash_algorithm="sha256",
        hash_value=SHA256,
        tool_name="Synthetic hasher",
        tool_version="2.0",
    )
    services.custody_event_record(
        actor=inv,
        item=image,
        kind="submitted",
        started_at=_ago(5),
        submission_reference="ICSE-SYN-2026-0001",
        hash_set_identifier="HS-SYN-0001",
        count_new=4,
        count_known=12,
        count_series_matched=1,
    )


def _north_mismatch(*, store, case, users) -> int:
    inv = users["inv.north"]
    item = _item(
        store=store,
        case=case,
        identifier="DEMS-2026-000201",
        exhibit="EXH-001",
        actor=inv,
        days_ago=4,
        kind="storage_medium",
        make="Synthetic",
        model_name="USB 64",
        description="Blue USB stick",
        seal_numbers=["BAG-000201"],
        hashes=[("sha256", SHA256)],
    )
    if item is None:
        return 0
    services.custody_event_record(
        actor=inv,
        item=item,
        kind="hash_verified",
        started_at=_ago(2),
        hash_algorithm="sha256",
        hash_value="0" * 64,
        tool_name="Synthetic hasher",
        tool_version="2.0",
    )
    return 1


def _north_disposed(*, store, case, users) -> int:
    inv2, sup = users["inv2.north"], users["sup.north"]
    item = _item(
        store=store,
        case=case,
        identifier="DEMS-2026-000301",
        exhibit="EXH-001",
        actor=inv2,
        days_ago=30,
        kind="document",
        description="Printed synthetic letter",
        seal_numbers=["BAG-000301"],
        hashes=[],
    )
    if item is None:
        return 0
    sign_off = services.signoff_request(
        actor=inv2,
        item=item,
        kind="disposed",
        started_at=_ago(3),
        authority="Retention decision RD-2026-07",
        purpose="Copy no longer needed",
        place="North Unit property store",
    )
    services.signoff_countersign(actor=sup, sign_off=sign_off)
    return 1


def _south_simple(*, store, case, users) -> int:
    inv = users["inv.south"]
    item = _item(
        store=store,
        case=case,
        identifier="DEMS-2026-000401",
        exhibit="EXH-001",
        actor=inv,
        days_ago=5,
        kind="provider_return",
        description="Provider return for account user_8812",
        seizure_authority="PO-2026-0042",
        seized_place="Provider portal",
        local_offset_minutes=60,
        hashes=[("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709")],
        seal_numbers=[],
    )
    return 0 if item is None else 1


_BUILDERS = (
    ("Synthetic case N-01", _north_full_chain),
    ("Synthetic case N-02", _north_mismatch),
    ("Synthetic case N-03", _north_disposed),
    ("Synthetic case S-01", _south_simple),
)

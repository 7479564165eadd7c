"""Evidence items: the seizure that starts a chain, the first submission time, case merges."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.core import events
from casework.core.errors import DomainError

from .. import chain
from ..choices import EventKind, ItemKind, SealState
from ..models import (
    CustodyAcknowledgement,
    CustodyEvent,
    EvidenceHash,
    EvidenceItem,
    EvidenceStore,
)
from .access import person_of, require_case_worker, unit_of
from .hashes import normalise_hash
from .stores import identifier_example


@transaction.atomic
def item_create(
    *,
    actor: User,
    case: Case,
    store: EvidenceStore,
    store_identifier: str,
    exhibit_number: str,
    kind: str,
    seized_at: datetime,
    seized_place: str,
    seizure_authority: str,
    seized_by: User,
    root_item: EvidenceItem | None = None,
    make: str = "",
    model_name: str = "",
    serial_number: str = "",
    description: str = "",
    seal_numbers: Iterable[str] = (),
    local_offset_minutes: int = 0,
    hashes: Iterable[tuple[str, str]] = (),
) -> EvidenceItem:
    """Record a seized item and the first link of its chain (``seized``, held by the seizer).

    Publishes ``EvidenceSeized``: the hash-set register starts the national database / ICSE
    submission clock from it.
    """
    require_case_worker(actor, case)
    store_identifier = _check_store_identifier(store, store_identifier.strip())
    exhibit_number = _check_exhibit(case, exhibit_number.strip(), kind=kind, root_item=root_item)
    _check_seizure(
        case,
        seized_at=seized_at,
        seized_place=seized_place,
        seizure_authority=seizure_authority,
        seized_by=seized_by,
    )
    seals = [s.strip() for s in seal_numbers if s and s.strip()]
    checked_hashes = _check_hashes(hashes)

    item = EvidenceItem.objects.create(
        case=case,
        store=store,
        store_identifier=store_identifier,
        exhibit_number=exhibit_number,
        root_item=root_item.root_item if root_item and root_item.root_item_id else root_item,
        kind=kind,
        make=make.strip(),
        model_name=model_name.strip(),
        serial_number=serial_number.strip(),
        description=description.strip(),
        seized_at=seized_at,
        seized_place=seized_place.strip(),
        seizure_authority=seizure_authority.strip(),
        seized_by=seized_by,
        seal_numbers=seals,
        current_holder=seized_by,
        created_by=actor,
    )
    event = _record_seizure(
        actor=actor, item=item, hashes=checked_hashes, local_offset_minutes=local_offset_minutes
    )
    audit_record(
        actor=actor,
        action="evidence_item.create",
        target=item,
        case_id=case.pk,
        changes={
            "exhibit_number": [None, exhibit_number],
            "store_identifier": [None, f"{store.name}:{store_identifier}"],
            "hashes": [None, [f"{a}:{v}" for a, v in checked_hashes]],
        },
    )
    # Subscribers (the hash-set register's submission clock) add the clocks they started, so
    # the confirmation can say which clock started.
    seized = events.publish(events.EvidenceSeized(item=item, actor=actor, custody_event=event))
    # Kept on the returned object so the confirmation can say which clocks started.
    item.started_clocks = seized.started_clocks
    return item


def _check_store_identifier(store: EvidenceStore, store_identifier: str) -> str:
    """The store takes new items, and the identifier is its kind and not yet recorded."""
    if not store.is_active:
        raise DomainError(f"{store} no longer accepts new items.", field="store")
    if not store_identifier:
        raise DomainError("Give the evidence store's identifier.", field="store_identifier")
    if not re.fullmatch(store.identifier_pattern, store_identifier):
        example = identifier_example(store.identifier_pattern)
        raise DomainError(
            f"{store_identifier} does not look like an identifier of {store}: "
            + (
                f"they look like {example}."
                if example
                else "copy it exactly as the store shows it."
            ),
            field="store_identifier",
        )
    if EvidenceItem.objects.filter(store=store, store_identifier=store_identifier).exists():
        raise DomainError(
            f"{store} item {store_identifier} is already recorded.", field="store_identifier"
        )
    return store_identifier


def _check_exhibit(
    case: Case, exhibit_number: str, *, kind: str, root_item: EvidenceItem | None
) -> str:
    """A new exhibit number on the case, a known kind, and a root exhibit of the same case."""
    if not exhibit_number:
        raise DomainError("Give the exhibit number.", field="exhibit_number")
    if EvidenceItem.objects.filter(case=case, exhibit_number=exhibit_number).exists():
        raise DomainError(
            f"Exhibit {exhibit_number} already exists on {case}.", field="exhibit_number"
        )
    if kind not in ItemKind.values:
        raise DomainError(f"Unknown kind of item {kind!r}.", field="kind")
    if root_item is not None and root_item.case_id != case.pk:
        raise DomainError("The root exhibit must belong to the same case.", field="root_item")
    return exhibit_number


def _check_seizure(
    case: Case,
    *,
    seized_at: datetime,
    seized_place: str,
    seizure_authority: str,
    seized_by: User,
) -> None:
    """When, where, on what authority and by whom: the first link a court asks about."""
    chain.check_time(seized_at, field="seized_at", now=timezone.now())
    if not seized_place.strip():
        raise DomainError("Say where the item was seized.", field="seized_place")
    if not seizure_authority.strip():
        raise DomainError(
            "Give the authority (warrant or order number) for the seizure.",
            field="seizure_authority",
        )
    chain.require_unit_member(
        person_of(seized_by), unit_of(case), field="seized_by", label="seized the item"
    )


def _check_hashes(hashes: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    checked = [
        normalise_hash(algorithm=alg, value=value, field_prefix="hashes.") for alg, value in hashes
    ]
    if len({alg for alg, _ in checked}) != len(checked):
        raise DomainError("Give each hash algorithm once.", field="hashes")
    return checked


def _record_seizure(
    *,
    actor: User,
    item: EvidenceItem,
    hashes: list[tuple[str, str]],
    local_offset_minutes: int,
) -> CustodyEvent:
    """The store's hash values and the ``seized`` event: the chain's first link, held by the
    seizer (acknowledged at once when they record it themselves)."""
    now = timezone.now()
    for algorithm, value in hashes:
        EvidenceHash.objects.create(
            item=item, algorithm=algorithm, value=value, recorded_by=actor, recorded_at=now
        )
    event = CustodyEvent.objects.create(
        item=item,
        sequence=1,
        kind=EventKind.SEIZED,
        started_at=item.seized_at,
        local_offset_minutes=local_offset_minutes,
        place=item.seized_place,
        received_by=item.seized_by,
        authority=item.seizure_authority,
        seal_state=SealState.INTACT if item.seal_numbers else SealState.UNSEALED,
        seal_numbers=item.seal_numbers,
        recorded_by=actor,
        recorded_at=now,
    )
    if actor.pk == item.seized_by.pk:
        CustodyAcknowledgement.objects.create(
            event=event, acknowledged_by=actor, acknowledged_at=now
        )
    item.last_event = event
    item.save(update_fields=["last_event", "updated_at"])
    return event


@transaction.atomic
def item_submission_note(*, actor: User, item: EvidenceItem, submitted_at: datetime) -> bool:
    """Keep the item's first submission time when the hash-set register records a sharing to
    the national database or ICSE (the register calls this); True when it changed.
    The chain of custody is not touched: a hash set leaving is not the item changing hands."""
    locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if locked.submitted_at is not None and locked.submitted_at <= submitted_at:
        return False
    previous = locked.submitted_at
    locked.submitted_at = submitted_at
    locked.save(update_fields=["submitted_at", "updated_at"])
    item.submitted_at = submitted_at
    audit_record(
        actor=actor,
        action="evidence_item.submitted",
        target=locked,
        case_id=locked.case_id,
        changes={
            "submitted_at": [previous.isoformat() if previous else None, submitted_at.isoformat()]
        },
    )
    return True


@transaction.atomic
def evidence_items_move_case(*, actor, duplicate, original) -> int:
    """A merge (``CaseMerged``): the duplicate's evidence references belong to the original;
    their chains of custody are untouched."""
    moved = EvidenceItem.objects.filter(case=duplicate).update(case=original)
    audit_record(
        actor=actor,
        action="evidence.move",
        object_type="cases.case",
        object_id=str(original.pk),
        case_id=original.pk,
        details={"from": duplicate.number, "items": moved},
    )
    return moved

"""Custody events: appending a link to an item's chain, and the receiver's acknowledgement.

Every append locks the item's row, checks the chain (``casework.custody.chain``) against the
locked row, and only then writes. A caller holding a stale view of the item (its
``last_event`` differs from the locked row) gets a ``ConflictError`` instead of silently writing
on top of someone else's event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.cases.selectors import case_is_visible
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.notifications import notify

from .. import chain
from ..choices import FINAL_KINDS, HANDOVER_KINDS, EventKind, HashAlgorithm, HashResult, ItemState
from ..models import CustodyAcknowledgement, CustodyEvent, EvidenceHash, EvidenceItem
from .access import chain_of, person_of, require_case_worker, user_name
from .hashes import normalise_hash

# The optional details any custody event may carry (besides kind, times and people).
TEXT_FIELDS = (
    "place",
    "external_party",
    "purpose",
    "transfer_reason",
    "authority",
    "transport_method",
    "tracking_number",
    "tool_name",
    "tool_version",
    "condition_on_receipt",
    "seal_state",
    "change_made",
    "change_reason",
    "hash_algorithm",
    "hash_value",
    "submission_reference",
    "hash_set_identifier",
    "note",
)
COUNT_FIELDS = ("count_new", "count_known", "count_series_matched")


def lock_item(item: EvidenceItem, expected_last_event: int | None) -> EvidenceItem:
    """The item's row, locked until commit; ConflictError if someone moved the chain meanwhile."""
    locked = (
        EvidenceItem.objects.select_for_update(of=("self",))
        .select_related("case", "case__unit", "last_event", "current_holder")
        .get(pk=item.pk)
    )
    expected = expected_last_event if expected_last_event is not None else item.last_event_id
    if expected is not None and locked.last_event_id != expected:
        raise ConflictError(
            f"Someone recorded another custody event on exhibit {locked.exhibit_number} while "
            "you were working on this one. Reload the chain, check who holds it now, and record "
            "your event again if it still applies.",
            field="expected_last_event",
        )
    return locked


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TEXT_FIELDS) - set(COUNT_FIELDS) - {"seal_numbers"}
    if unknown:
        raise DomainError(f"Unknown custody event details: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, Any] = {
        name: (fields.get(name) or "").strip() for name in TEXT_FIELDS if fields.get(name)
    }
    for name in COUNT_FIELDS:
        value = fields.get(name)
        if value in (None, ""):
            continue
        try:
            count = int(value)
        except (TypeError, ValueError):
            count = -1
        if count < 0:
            raise DomainError("A count is a whole number, zero or more.", field=name)
        cleaned[name] = count
    cleaned["seal_numbers"] = [s.strip() for s in fields.get("seal_numbers") or () if s.strip()]
    return cleaned


def check_chain(
    *,
    item: EvidenceItem,
    kind: str,
    started_at: datetime | None,
    ended_at: datetime | None,
    actor: User,
    fields: dict[str, Any],
    released_by: User | None = None,
    received_by: User | None = None,
    change_made_by: User | None = None,
    corrects: CustodyEvent | None = None,
) -> None:
    """Refuse anything that would break the chain of the locked ``item`` (``chain.validate``)."""
    # Whether the receiver may see the case is the one fact the rules need from the database.
    sees_case = (
        case_is_visible(user=received_by, case=item.case)
        if kind in HANDOVER_KINDS and received_by is not None
        else True
    )
    chain.validate(
        chain_of(item),
        chain.ProposedEvent(
            kind=kind,
            actor=person_of(actor),
            started_at=started_at,
            ended_at=ended_at,
            released_by=person_of(released_by),
            received_by=person_of(received_by),
            change_made_by=person_of(change_made_by),
            corrects_item_id=corrects.item_id if corrects is not None else None,
            receiver_sees_case=sees_case,
            fields=fields,
        ),
        now=timezone.now(),
    )


def append_event(
    *,
    actor: User,
    item: EvidenceItem,
    kind: str,
    started_at: datetime,
    ended_at: datetime | None,
    local_offset_minutes: int,
    released_by: User | None,
    received_by: User | None,
    change_made_by: User | None,
    corrects: CustodyEvent | None,
    fields: dict[str, Any],
    second_signature_by: User | None = None,
) -> CustodyEvent:
    """Write the event on the locked item and move the item's pointers with it."""
    now = timezone.now()
    last = item.last_event
    result = _hash_result(item, kind, fields)
    event = CustodyEvent.objects.create(
        item=item,
        sequence=(last.sequence if last else 0) + 1,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        local_offset_minutes=local_offset_minutes,
        released_by=released_by,
        received_by=received_by,
        change_made_by=change_made_by,
        corrects=corrects,
        hash_result=result,
        recorded_by=actor,
        recorded_at=now,
        second_signature_by=second_signature_by,
        second_signed_at=now if second_signature_by else None,
        **fields,
    )
    if received_by is not None and received_by.pk == actor.pk:
        CustodyAcknowledgement.objects.create(
            event=event, acknowledged_by=actor, acknowledged_at=now
        )
    _move_item(item, event)
    _audit_event(actor=actor, item=item, event=event, previous=last)
    if result == HashResult.MISMATCH:
        _notify_mismatch(item=item, event=event)
    if kind == EventKind.SUBMITTED:
        # The submission clock is the hash-set register's now (casework.hashsets): it is met by
        # recording the sharing to the national database or ICSE there, not by this event.
        events.publish(events.EvidenceSubmitted(item=item, actor=actor, custody_event=event))
    return event


def _hash_result(item: EvidenceItem, kind: str, fields: dict[str, Any]) -> str:
    """A verification's result against the store's value ("" for any other event); the
    normalised algorithm and value replace what was typed in ``fields``."""
    if kind != EventKind.HASH_VERIFIED:
        if fields.get("hash_algorithm") or fields.get("hash_value"):
            raise DomainError("Only a hash verification carries a hash value.", field="hash_value")
        return ""
    algorithm, value = normalise_hash(
        algorithm=fields.get("hash_algorithm", ""),
        value=fields.get("hash_value", ""),
        field_prefix="hash_",
    )
    known = EvidenceHash.objects.filter(item=item, algorithm=algorithm).first()
    if known is None:
        raise DomainError(
            f"No {HashAlgorithm(algorithm).label} value is recorded for exhibit "
            f"{item.exhibit_number}; record the store's value first.",
            field="hash_algorithm",
        )
    fields["hash_algorithm"], fields["hash_value"] = algorithm, value
    return HashResult.MATCH if known.value == value else HashResult.MISMATCH


def _move_item(item: EvidenceItem, event: CustodyEvent) -> None:
    """The item's pointers follow its new last event: holder, state, first submission, and
    the mismatch flag that never clears."""
    kind = event.kind
    item.last_event = event
    update = ["last_event", "updated_at"]
    if kind in HANDOVER_KINDS:
        item.current_holder = event.received_by
        item.state = ItemState.IN_CUSTODY
        update += ["current_holder", "state"]
    elif kind in FINAL_KINDS:
        item.current_holder = None
        item.state = ItemState.RELEASED if kind == EventKind.RELEASED else ItemState.DISPOSED
        update += ["current_holder", "state"]
    elif kind == EventKind.SUBMITTED and item.submitted_at is None:
        item.submitted_at = event.started_at
        update.append("submitted_at")
    if event.hash_result == HashResult.MISMATCH and not item.hash_mismatch:
        item.hash_mismatch = True
        update.append("hash_mismatch")
    item.save(update_fields=update)


def _audit_event(
    *, actor: User, item: EvidenceItem, event: CustodyEvent, previous: CustodyEvent | None
) -> None:
    kind, corrects, second = event.kind, event.corrects, event.second_signature_by
    audit_record(
        actor=actor,
        action="custody_event.create",
        target=event,
        case_id=item.case_id,
        changes={
            "holder": [user_name(previous and previous.received_by), user_name(item.current_holder)]
        }
        if kind in HANDOVER_KINDS
        else {},
        details={
            "exhibit": item.exhibit_number,
            "kind": kind,
            "sequence": event.sequence,
            **({"hash_result": event.hash_result} if event.hash_result else {}),
            **({"transfer_reason": event.transfer_reason} if event.transfer_reason else {}),
            **({"corrects": corrects.sequence} if corrects else {}),
            **({"second_signature_by": second.username} if second else {}),
        },
    )


def _notify_mismatch(*, item: EvidenceItem, event: CustodyEvent) -> None:
    case = item.case
    supervisors = User.objects.filter(
        unit_id=case.unit_id, is_active=True, is_service_account=False, groups__name=Role.SUPERVISOR
    )
    notify(
        recipients=[case.lead, *supervisors],
        kind="custody.hash_mismatch",
        subject=f"Hash mismatch on exhibit {item.exhibit_number} ({case.number})",
        body=(
            f"A {event.get_hash_algorithm_display()} verification (event #{event.sequence}) did "
            f"not match the value recorded from {item.store}. Check the item in the evidence "
            "store and record what you find."
        ),
        link=reverse("custody:item", kwargs={"public_id": item.public_id}),
        dedupe_key=f"custody.hash_mismatch:{event.pk}",
    )


@transaction.atomic
def custody_event_record(
    *,
    actor: User,
    item: EvidenceItem,
    kind: str,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    local_offset_minutes: int = 0,
    released_by: User | None = None,
    received_by: User | None = None,
    change_made_by: User | None = None,
    corrects: CustodyEvent | None = None,
    expected_last_event: int | None = None,
    **details: Any,
) -> CustodyEvent:
    """Append one custody event (any kind but seizure, release and disposal).

    ``details`` are the optional text fields in ``TEXT_FIELDS``, the counts in ``COUNT_FIELDS``
    and ``seal_numbers``. Release and disposal go through ``signoff_request`` /
    ``signoff_countersign``: they need a second person.
    """
    require_case_worker(actor, item.case)
    if kind in FINAL_KINDS:
        raise DomainError(
            f"{EventKind(kind).label} needs a supervisor's second signature: request it "
            "and a supervisor of the unit countersigns.",
            field="kind",
        )
    locked = lock_item(item, expected_last_event)
    fields = clean_fields(details)
    if kind == EventKind.CORRECTION and started_at is None:
        started_at = timezone.now()
    check_chain(
        item=locked,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        actor=actor,
        fields=fields,
        released_by=released_by,
        received_by=received_by,
        change_made_by=change_made_by,
        corrects=corrects,
    )
    event = append_event(
        actor=actor,
        item=locked,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        local_offset_minutes=local_offset_minutes,
        released_by=released_by,
        received_by=received_by,
        change_made_by=change_made_by,
        corrects=corrects,
        fields=fields,
    )
    _refresh(item, locked)
    return event


def _refresh(stale: EvidenceItem, fresh: EvidenceItem) -> None:
    """Bring the caller's instance up to date so its next call is not seen as a conflict."""
    for name in ("last_event_id", "current_holder_id", "state", "hash_mismatch", "submitted_at"):
        setattr(stale, name, getattr(fresh, name))
    for cached in ("last_event", "current_holder"):
        stale._state.fields_cache.pop(cached, None)


@transaction.atomic
def custody_acknowledge(
    *, actor: User, event: CustodyEvent, note: str = ""
) -> CustodyAcknowledgement:
    """The receiver confirms, in their own name, that they took the item."""
    if event.received_by_id != actor.pk:
        raise DomainError("Only the person who received the item can acknowledge it.", status=403)
    if CustodyAcknowledgement.objects.filter(event=event).exists():
        raise DomainError("You have already acknowledged this hand-over.")
    ack = CustodyAcknowledgement.objects.create(
        event=event, acknowledged_by=actor, acknowledged_at=timezone.now(), note=note.strip()
    )
    audit_record(
        actor=actor,
        action="custody_event.acknowledge",
        target=event,
        case_id=event.item.case_id,
        details={"exhibit": event.item.exhibit_number, "sequence": event.sequence},
    )
    return ack

"""The rules of an unbroken chain of custody, on plain values: no database, no models.

Threat: a chain a defence lawyer can break — a hand-over by someone who did not hold the item,
an event dated before the previous one, an item that "moves" after it was destroyed, a hand-over
to someone who cannot answer for it. The services lock the item's row, describe it and the
proposed event with the dataclasses below, and call :func:`validate`; it raises a
``DomainError`` naming the first rule broken and the field it concerns, in the order a person
fixing the form would meet them. Kept apart from the services so each rule can be read, and
tested, without a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from casework.core.errors import DomainError

from .choices import FINAL_KINDS, HANDOVER_KINDS, HOLDER_KINDS, EventKind, ItemState, SealState

# Clocks on different machines disagree a little; an event "in the future" beyond this is a typo.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Person:
    """Someone named in a custody event, as the rules need them."""

    id: int
    username: str
    unit_id: int | None
    is_active: bool = True


@dataclass(frozen=True)
class Unit:
    id: int
    name: str


@dataclass(frozen=True)
class LastEvent:
    """The latest event of the chain (the item's ``last_event``)."""

    sequence: int
    kind: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class ItemChain:
    """The item as its locked row says: where its chain stands now."""

    id: int
    exhibit_number: str
    case_number: str
    unit: Unit
    state: str = ItemState.IN_CUSTODY
    holder: Person | None = None
    last: LastEvent | None = None

    @property
    def label(self) -> str:
        return f"Exhibit {self.exhibit_number}"


@dataclass(frozen=True)
class ProposedEvent:
    """The event someone wants to append.

    ``fields`` are its cleaned optional details (``place``, ``seal_state``, ``note`` …);
    ``corrects_item_id`` is the item of the event a correction names (None when it names none);
    ``receiver_sees_case`` whether the case is visible to ``received_by`` (the services ask the
    case selector, which needs the database).
    """

    kind: str
    actor: Person
    started_at: datetime | None
    ended_at: datetime | None = None
    released_by: Person | None = None
    received_by: Person | None = None
    change_made_by: Person | None = None
    corrects_item_id: int | None = None
    receiver_sees_case: bool = True
    fields: Mapping[str, Any] = field(default_factory=dict)


def name(person: Person | None) -> str:
    return person.username if person else "nobody"


def check_time(
    value: datetime | None, *, field: str, now: datetime, required: bool = True
) -> datetime | None:
    """A time with its zone and not in the future (beyond ``CLOCK_SKEW``)."""
    if value is None:
        if required:
            raise DomainError("Give the time.", field=field)
        return None
    if timezone.is_naive(value):
        raise DomainError("Give the time with its time zone.", field=field)
    if value > now + CLOCK_SKEW:
        raise DomainError("This time is in the future.", field=field)
    return value


def require_unit_member(person: Person | None, unit: Unit, *, field: str, label: str) -> Person:
    """An active member of ``unit``: who seizes or receives an item answers for it there."""
    if person is None:
        raise DomainError(f"Say who {label}.", field=field)
    if not person.is_active or person.unit_id != unit.id:
        raise DomainError(f"{person.username} is not an active member of {unit.name}.", field=field)
    return person


def validate(item: ItemChain, event: ProposedEvent, *, now: datetime) -> None:
    """Refuse anything that would break the chain of ``item`` (a ``DomainError``)."""
    _check_kind_can_follow(item, event.kind)
    _check_times(item, event, now=now)
    _check_people(item, event)
    _check_holder_acts(item, event)
    _check_details(event)
    _check_correction(item, event)


def _check_kind_can_follow(item: ItemChain, kind: str) -> None:
    if kind not in EventKind.values:
        raise DomainError(f"Unknown custody event {kind!r}.", field="kind")
    if item.state == ItemState.DISPOSED:
        raise DomainError(
            f"{item.label} was disposed of (event #{item.last.sequence if item.last else '?'}); "
            "no custody event can follow a disposal.",
            field="kind",
        )
    if item.state == ItemState.RELEASED and kind != EventKind.RECEIVED:
        raise DomainError(
            f"{item.label} was released from custody; record its receipt back first.",
            field="kind",
        )
    if kind == EventKind.SEIZED:
        raise DomainError(
            "An item is seized once, when it is recorded; record a new item instead.",
            field="kind",
        )


def _check_times(item: ItemChain, event: ProposedEvent, *, now: datetime) -> None:
    started_at = check_time(event.started_at, field="started_at", now=now)
    ended_at = check_time(event.ended_at, field="ended_at", now=now, required=False)
    if ended_at is not None and ended_at < started_at:
        raise DomainError("The event cannot end before it starts.", field="ended_at")
    last = item.last
    if last is None:
        return
    floor = max(last.started_at, last.ended_at or last.started_at)
    if started_at < floor:
        raise DomainError(
            f"Time cannot go backwards: the previous event on {item.label} "
            f"(#{last.sequence}, {EventKind(last.kind).label}) "
            f"{'ended' if last.ended_at else 'started'} at {floor:%Y-%m-%d %H:%M} UTC.",
            field="started_at",
        )


def _check_people(item: ItemChain, event: ProposedEvent) -> None:
    if event.kind in HANDOVER_KINDS:
        _check_releaser(item, event)
        _check_receiver(item, event)
        if not event.fields.get("seal_state"):
            raise DomainError(
                "Record the seal state the receiver found on receipt.", field="seal_state"
            )
    elif (
        event.released_by is not None or event.received_by is not None
    ) and event.kind not in FINAL_KINDS:
        raise DomainError(
            "Only hand-overs (received, transferred, checked out, returned) name a releaser "
            "and a receiver.",
            field="received_by",
        )


def _check_releaser(item: ItemChain, event: ProposedEvent) -> None:
    """The giver holds the item; an item coming back into custody has an outside giver."""
    released_by = event.released_by
    if item.state == ItemState.RELEASED:
        if released_by is not None:
            raise DomainError(
                f"{item.label} is outside custody; name who returned it under 'external party'.",
                field="released_by",
            )
        if not event.fields.get("external_party"):
            raise DomainError("Say who handed the item back.", field="external_party")
        return
    if released_by is None:
        raise DomainError("Say who released the item.", field="released_by")
    if item.holder is None or released_by.id != item.holder.id:
        raise DomainError(
            f"{name(released_by)} does not hold {item.label}; "
            f"{name(item.holder)} does. The chain would break.",
            field="released_by",
        )


def _check_receiver(item: ItemChain, event: ProposedEvent) -> None:
    received_by = require_unit_member(
        event.received_by, item.unit, field="received_by", label="received it"
    )
    if not event.receiver_sees_case:
        # The receiver must acknowledge the hand-over and answer for the item; someone the
        # case is hidden from would hold an item whose page answers them 404.
        raise DomainError(
            f"{name(received_by)} cannot see case {item.case_number}: add them to the case "
            "team before handing the item over.",
            field="received_by",
        )
    if event.released_by is not None and received_by.id == event.released_by.id:
        raise DomainError("The item cannot be handed to the person releasing it.")


def _check_holder_acts(item: ItemChain, event: ProposedEvent) -> None:
    seal_state = event.fields.get("seal_state")
    if seal_state and seal_state not in SealState.values:
        raise DomainError(f"Unknown seal state {seal_state!r}.", field="seal_state")
    holder = item.holder
    if event.kind in HOLDER_KINDS and (holder is None or event.actor.id != holder.id):
        raise DomainError(
            f"Only the person holding {item.label} ({name(holder)}) can record that it was "
            f"{EventKind(event.kind).label.lower()}.",
            field="kind",
        )


def _check_details(event: ProposedEvent) -> None:
    """What each kind of event must (or must not) say."""
    kind, fields = event.kind, event.fields
    if fields.get("change_made") and not (fields.get("change_reason") and event.change_made_by):
        raise DomainError("An unavoidable change needs who made it and why.", field="change_reason")
    if kind == EventKind.HASH_VERIFIED and not (
        fields.get("tool_name") and fields.get("tool_version")
    ):
        raise DomainError(
            "Name the tool and its version used to verify the hash.", field="tool_name"
        )
    if kind == EventKind.CHECKED_OUT and not fields.get("purpose"):
        raise DomainError("Say what the examination is for.", field="purpose")
    if kind == EventKind.TRANSFERRED and not fields.get("transfer_reason"):
        raise DomainError("Say why the item is transferred.", field="transfer_reason")
    if kind != EventKind.TRANSFERRED and fields.get("transfer_reason"):
        raise DomainError(
            "Only a transfer carries a reason for the transfer.", field="transfer_reason"
        )
    if kind == EventKind.SUBMITTED and not fields.get("submission_reference"):
        raise DomainError(
            "Give the reference the receiving database gave the submission.",
            field="submission_reference",
        )
    if kind == EventKind.RELEASED and not fields.get("external_party"):
        raise DomainError("Say to whom the item is released.", field="external_party")
    if kind in FINAL_KINDS and not fields.get("authority"):
        raise DomainError(
            "Give the authority (order or decision number) for this.", field="authority"
        )


def _check_correction(item: ItemChain, event: ProposedEvent) -> None:
    """A correction names an event of the same item and says what was wrong; nothing else
    references another event (the original always stays as recorded)."""
    if event.kind != EventKind.CORRECTION:
        if event.corrects_item_id is not None:
            raise DomainError("Only a correction references another event.", field="corrects")
        return
    if event.corrects_item_id != item.id:
        raise DomainError("Say which event of this item the correction corrects.", field="corrects")
    if not event.fields.get("note"):
        raise DomainError(
            "Say what was wrong and what is right; the original stays as recorded.",
            field="note",
        )

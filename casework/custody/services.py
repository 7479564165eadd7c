"""State changes of evidence stores, items, hashes and custody events.

Threat: a chain of custody a defence lawyer can break — a hand-over by someone who did not hold
the item, an event dated before the previous one, an item that "moves" after it was destroyed,
a disposal one person decided alone, two people recording conflicting transfers at the same
moment. Every write here takes the item's row lock (``SELECT … FOR UPDATE``), checks the chain
against the locked row, and only then appends. A caller holding a stale view of the item (its
``last_event`` differs from the locked row) gets a ``ConflictError`` instead of silently writing
on top of someone else's event. Nothing is ever edited: corrections are new events.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.cases.selectors import case_is_visible
from casework.core import events
from casework.core.errors import ConflictError, DomainError
from casework.core.notifications import notify

from .choices import (
    FINAL_KINDS,
    HANDOVER_KINDS,
    HEX_LENGTH,
    HOLDER_KINDS,
    EventKind,
    HashAlgorithm,
    HashResult,
    ItemKind,
    ItemState,
    SealState,
    SignOffState,
)
from .models import (
    CustodyAcknowledgement,
    CustodyEvent,
    CustodySignOff,
    EvidenceHash,
    EvidenceItem,
    EvidenceStore,
)

# Clocks on different machines disagree a little; an event "in the future" beyond this is a typo.
CLOCK_SKEW = timedelta(minutes=5)

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
# What a release or disposal request may carry (kept as JSON until countersigned).
SIGN_OFF_FIELDS = (
    "started_at",
    "ended_at",
    "local_offset_minutes",
    "place",
    "external_party",
    "purpose",
    "authority",
    "transport_method",
    "tracking_number",
    "note",
)


# --- evidence stores ---------------------------------------------------------------------------


def _require_administrator(actor: User) -> None:
    if not actor.is_active or not actor.has_role(Role.ADMINISTRATOR):
        raise DomainError("Only administrators configure evidence stores.", status=403)


def validate_identifier_pattern(pattern: str) -> str:
    """An anchored, compilable regular expression (``^…$``), or DomainError."""
    pattern = pattern.strip()
    if not pattern:
        raise DomainError("Give the pattern the store's identifiers follow.", field="pattern")
    if not (pattern.startswith(("^", r"\A")) and pattern.endswith(("$", r"\Z"))):
        raise DomainError(
            "Anchor the pattern with ^ at the start and $ at the end, so it describes the whole "
            "identifier.",
            field="identifier_pattern",
        )
    try:
        re.compile(pattern)
    except re.error as error:
        raise DomainError(
            f"This is not a valid regular expression: {error}.", field="identifier_pattern"
        ) from error
    return pattern


@transaction.atomic
def store_create(
    *, actor: User, name: str, identifier_pattern: str, metadata_api_url: str = ""
) -> EvidenceStore:
    """Register an accredited evidence store (administrators)."""
    _require_administrator(actor)
    name = name.strip()
    if not name:
        raise DomainError("Name the evidence store.", field="name")
    pattern = validate_identifier_pattern(identifier_pattern)
    if EvidenceStore.objects.filter(name__iexact=name).exists():
        raise DomainError(f"An evidence store named {name!r} exists already.", field="name")
    store = EvidenceStore.objects.create(
        name=name, identifier_pattern=pattern, metadata_api_url=metadata_api_url.strip()
    )
    audit_record(
        actor=actor,
        action="evidence_store.create",
        target=store,
        changes={"name": [None, name], "identifier_pattern": [None, pattern]},
    )
    return store


@transaction.atomic
def store_update(
    *,
    actor: User,
    store: EvidenceStore,
    identifier_pattern: str | None = None,
    metadata_api_url: str | None = None,
    is_active: bool | None = None,
) -> EvidenceStore:
    """Change a store's pattern, API address or availability. Existing items keep their id."""
    _require_administrator(actor)
    changes: dict[str, list] = {}
    if identifier_pattern is not None:
        pattern = validate_identifier_pattern(identifier_pattern)
        if pattern != store.identifier_pattern:
            changes["identifier_pattern"] = [store.identifier_pattern, pattern]
            store.identifier_pattern = pattern
    if metadata_api_url is not None and metadata_api_url.strip() != store.metadata_api_url:
        changes["metadata_api_url"] = [store.metadata_api_url, metadata_api_url.strip()]
        store.metadata_api_url = metadata_api_url.strip()
    if is_active is not None and is_active != store.is_active:
        changes["is_active"] = [store.is_active, is_active]
        store.is_active = is_active
    if changes:
        store.save()
        audit_record(actor=actor, action="evidence_store.update", target=store, changes=changes)
    return store


# --- evidence items ----------------------------------------------------------------------------


def _require_case_worker(actor: User, case: Case) -> None:
    """Investigators and supervisors who can see the case may record its evidence."""
    if (
        not actor.is_active
        or not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
        or not case_is_visible(user=actor, case=case)
    ):
        raise DomainError(f"You cannot record evidence on {case}.", status=403)
    if case.is_closed:
        raise DomainError(f"{case} is closed; evidence cannot be recorded on it.")


def _require_unit_person(user: User | None, case: Case, *, field: str, label: str) -> User:
    if user is None:
        raise DomainError(f"Say who {label}.", field=field)
    if not user.is_active or user.unit_id != case.unit_id:
        raise DomainError(
            f"{user.get_username()} is not an active member of {case.unit.name}.", field=field
        )
    return user


def identifier_example(pattern: str) -> str | None:
    """A made-up identifier that fits the store's pattern (``^DEMS-\\d{4}-\\d{6}$`` gives
    DEMS-1234-123456), to show people instead of the regular expression; None when the
    pattern is beyond this simple walk."""
    # The standard library's own parser of regular expressions (private, but stable since
    # 3.11); anything it meets that this walk does not know gives no example.
    from re import _parser as parser

    def walk(items) -> str:
        out = []
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "ANY":
                out.append("X")
            elif name == "IN":
                out.append(_one_of(arg))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _high, inner = arg
                out.append("".join(walk(inner) for _ in range(max(low, 1))))
            elif name == "SUBPATTERN":
                out.append(walk(arg[-1]))
            elif name == "BRANCH":
                out.append(walk(arg[1][0]))
            elif name == "AT":
                continue
            else:
                raise ValueError(name)
        return "".join(out)

    try:
        example = walk(parser.parse(pattern))
        # Digits count up (DEMS-1234-123456) so the example reads as an example.
        digits = iter("1234567890" * 40)
        shaped = []
        for index, char in enumerate(example):
            if char == "0" and (index == 0 or not example[index - 1].isdigit()):
                digits = iter("1234567890" * 40)
            shaped.append(next(digits) if char == "0" else char)
        example = "".join(shaped)
    except (ValueError, TypeError, IndexError, re.error):
        return None
    return example if re.fullmatch(pattern, example) else None


def _one_of(arg) -> str:
    """A character a character class accepts ("0" for digits, counted up by the caller)."""
    kind, value = arg[0]
    if str(kind) == "NEGATE":
        raise ValueError("negated class")
    if str(kind) == "LITERAL":
        return chr(value)
    if str(kind) == "RANGE":
        low, high = value
        return "0" if chr(low) <= "0" <= chr(high) else chr(low)
    if str(kind) == "CATEGORY":
        return {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "A", "CATEGORY_SPACE": " "}[str(value)]
    raise ValueError(str(kind))


def normalise_hash(*, algorithm: str, value: str, field_prefix: str = "") -> tuple[str, str]:
    """Check a hash value for algorithm, hex and length; return (algorithm, lower-case hex)."""
    algorithm = (algorithm or "").strip().lower().replace("-", "")
    if algorithm not in HashAlgorithm.values:
        raise DomainError(
            f"Unknown hash algorithm {algorithm or '(none)'!r}: use one of "
            f"{', '.join(HashAlgorithm.labels)}.",
            field=f"{field_prefix}algorithm",
        )
    value = (value or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", value):
        raise DomainError(
            "A hash value is hexadecimal digits only (0-9, a-f).", field=f"{field_prefix}value"
        )
    expected = HEX_LENGTH[algorithm]
    if len(value) != expected:
        raise DomainError(
            f"A {HashAlgorithm(algorithm).label} value has {expected} hex digits; "
            f"this one has {len(value)}.",
            field=f"{field_prefix}value",
        )
    return algorithm, value


def _check_time(value: datetime | None, *, field: str, required: bool = True) -> datetime | None:
    if value is None:
        if required:
            raise DomainError("Give the time.", field=field)
        return None
    if timezone.is_naive(value):
        raise DomainError("Give the time with its time zone.", field=field)
    if value > timezone.now() + CLOCK_SKEW:
        raise DomainError("This time is in the future.", field=field)
    return value


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
    _require_case_worker(actor, case)
    store_identifier = store_identifier.strip()
    exhibit_number = exhibit_number.strip()
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
    _check_time(seized_at, field="seized_at")
    if not seized_place.strip():
        raise DomainError("Say where the item was seized.", field="seized_place")
    if not seizure_authority.strip():
        raise DomainError(
            "Give the authority (warrant or order number) for the seizure.",
            field="seizure_authority",
        )
    _require_unit_person(seized_by, case, field="seized_by", label="seized the item")
    seals = [s.strip() for s in seal_numbers if s and s.strip()]
    checked_hashes = [
        normalise_hash(algorithm=alg, value=value, field_prefix="hashes.") for alg, value in hashes
    ]
    if len({alg for alg, _ in checked_hashes}) != len(checked_hashes):
        raise DomainError("Give each hash algorithm once.", field="hashes")

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
    now = timezone.now()
    for algorithm, value in checked_hashes:
        EvidenceHash.objects.create(
            item=item, algorithm=algorithm, value=value, recorded_by=actor, recorded_at=now
        )
    event = CustodyEvent.objects.create(
        item=item,
        sequence=1,
        kind=EventKind.SEIZED,
        started_at=seized_at,
        local_offset_minutes=local_offset_minutes,
        place=item.seized_place,
        received_by=seized_by,
        authority=item.seizure_authority,
        seal_state=SealState.INTACT if seals else SealState.UNSEALED,
        seal_numbers=seals,
        recorded_by=actor,
        recorded_at=now,
    )
    if actor.pk == seized_by.pk:
        CustodyAcknowledgement.objects.create(
            event=event, acknowledged_by=actor, acknowledged_at=now
        )
    item.last_event = event
    item.save(update_fields=["last_event", "updated_at"])
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


@transaction.atomic
def item_submission_note(*, actor: User, item: EvidenceItem, submitted_at: datetime) -> bool:
    """Keep the item's first submission time when the hash-set register records a sharing to
    the national database or ICSE (its ``HashSetSubmitted`` event); True when it changed.
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
def hash_record(*, actor: User, item: EvidenceItem, algorithm: str, value: str) -> EvidenceHash:
    """Add a hash value the store computed. One per algorithm; values are never edited."""
    _require_case_worker(actor, item.case)
    algorithm, value = normalise_hash(algorithm=algorithm, value=value)
    locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if locked.state == ItemState.DISPOSED:
        raise DomainError(f"Exhibit {item.exhibit_number} was disposed of.", field="algorithm")
    if EvidenceHash.objects.filter(item=item, algorithm=algorithm).exists():
        raise DomainError(
            f"A {HashAlgorithm(algorithm).label} value is already recorded for "
            f"{item.exhibit_number}; recorded hashes are not changed.",
            field="algorithm",
        )
    digest = EvidenceHash.objects.create(
        item=item, algorithm=algorithm, value=value, recorded_by=actor, recorded_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="evidence_hash.create",
        target=item,
        case_id=item.case_id,
        changes={algorithm: [None, value]},
    )
    return digest


# --- custody events ----------------------------------------------------------------------------


def _lock_item(item: EvidenceItem, expected_last_event: int | None) -> EvidenceItem:
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


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
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


def _name(user: User | None) -> str:
    return user.get_username() if user else "nobody"


def _validate_chain(
    *,
    item: EvidenceItem,
    kind: str,
    started_at: datetime | None,
    ended_at: datetime | None,
    released_by: User | None,
    received_by: User | None,
    actor: User,
    fields: dict[str, Any],
    corrects: CustodyEvent | None,
) -> None:
    """Refuse anything that would break the chain, against the locked item row."""
    label = f"Exhibit {item.exhibit_number}"
    if kind not in EventKind.values:
        raise DomainError(f"Unknown custody event {kind!r}.", field="kind")
    if item.state == ItemState.DISPOSED:
        raise DomainError(
            f"{label} was disposed of (event #{item.last_event.sequence}); no custody event "
            "can follow a disposal.",
            field="kind",
        )
    if item.state == ItemState.RELEASED and kind != EventKind.RECEIVED:
        raise DomainError(
            f"{label} was released from custody; record its receipt back first.", field="kind"
        )
    if kind == EventKind.SEIZED:
        raise DomainError(
            "An item is seized once, when it is recorded; record a new item instead.",
            field="kind",
        )
    _check_time(started_at, field="started_at")
    _check_time(ended_at, field="ended_at", required=False)
    if ended_at is not None and ended_at < started_at:
        raise DomainError("The event cannot end before it starts.", field="ended_at")
    last = item.last_event
    if last is not None:
        floor = max(last.started_at, last.ended_at or last.started_at)
        if started_at < floor:
            raise DomainError(
                f"Time cannot go backwards: the previous event on {label} "
                f"(#{last.sequence}, {last.get_kind_display()}) "
                f"{'ended' if last.ended_at else 'started'} at {floor:%Y-%m-%d %H:%M} UTC.",
                field="started_at",
            )
    holder = item.current_holder
    if kind in HANDOVER_KINDS:
        if item.state == ItemState.RELEASED:
            if released_by is not None:
                raise DomainError(
                    f"{label} is outside custody; name who returned it under 'external party'.",
                    field="released_by",
                )
            if not fields.get("external_party"):
                raise DomainError("Say who handed the item back.", field="external_party")
        else:
            if released_by is None:
                raise DomainError("Say who released the item.", field="released_by")
            if holder is None or released_by.pk != holder.pk:
                raise DomainError(
                    f"{_name(released_by)} does not hold {label}; "
                    f"{_name(holder)} does. The chain would break.",
                    field="released_by",
                )
        _require_unit_person(received_by, item.case, field="received_by", label="received it")
        if not case_is_visible(user=received_by, case=item.case):
            # The receiver must acknowledge the hand-over and answer for the item; someone the
            # case is hidden from would hold an item whose page answers them 404.
            raise DomainError(
                f"{_name(received_by)} cannot see case {item.case.number}: add them to the case "
                "team before handing the item over.",
                field="received_by",
            )
        if released_by is not None and received_by.pk == released_by.pk:
            raise DomainError("The item cannot be handed to the person releasing it.")
        if not fields.get("seal_state"):
            raise DomainError(
                "Record the seal state the receiver found on receipt.", field="seal_state"
            )
    elif (released_by is not None or received_by is not None) and kind not in FINAL_KINDS:
        raise DomainError(
            "Only hand-overs (received, transferred, checked out, returned) name a releaser "
            "and a receiver.",
            field="received_by",
        )
    if fields.get("seal_state") and fields["seal_state"] not in SealState.values:
        raise DomainError(f"Unknown seal state {fields['seal_state']!r}.", field="seal_state")
    if kind in HOLDER_KINDS and (holder is None or actor.pk != holder.pk):
        raise DomainError(
            f"Only the person holding {label} ({_name(holder)}) can record that it was "
            f"{EventKind(kind).label.lower()}.",
            field="kind",
        )
    if fields.get("change_made") and not (
        fields.get("change_reason") and fields.get("change_made_by")
    ):
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
    if kind == EventKind.CORRECTION:
        if corrects is None or corrects.item_id != item.pk:
            raise DomainError(
                "Say which event of this item the correction corrects.", field="corrects"
            )
        if not fields.get("note"):
            raise DomainError(
                "Say what was wrong and what is right; the original stays as recorded.",
                field="note",
            )
    elif corrects is not None:
        raise DomainError("Only a correction references another event.", field="corrects")


def _append(
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
    result = ""
    if kind == EventKind.HASH_VERIFIED:
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
        result = HashResult.MATCH if known.value == value else HashResult.MISMATCH
    elif fields.get("hash_algorithm") or fields.get("hash_value"):
        raise DomainError("Only a hash verification carries a hash value.", field="hash_value")
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
    item.last_event = event
    update = ["last_event", "updated_at"]
    if kind in HANDOVER_KINDS:
        item.current_holder = received_by
        item.state = ItemState.IN_CUSTODY
        update += ["current_holder", "state"]
    elif kind in FINAL_KINDS:
        item.current_holder = None
        item.state = ItemState.RELEASED if kind == EventKind.RELEASED else ItemState.DISPOSED
        update += ["current_holder", "state"]
    elif kind == EventKind.SUBMITTED and item.submitted_at is None:
        item.submitted_at = started_at
        update.append("submitted_at")
    if result == HashResult.MISMATCH and not item.hash_mismatch:
        item.hash_mismatch = True
        update.append("hash_mismatch")
    item.save(update_fields=update)
    audit_record(
        actor=actor,
        action="custody_event.create",
        target=event,
        case_id=item.case_id,
        changes={"holder": [_name(last and last.received_by), _name(item.current_holder)]}
        if kind in HANDOVER_KINDS
        else {},
        details={
            "exhibit": item.exhibit_number,
            "kind": kind,
            "sequence": event.sequence,
            **({"hash_result": result} if result else {}),
            **({"transfer_reason": event.transfer_reason} if event.transfer_reason else {}),
            **({"corrects": corrects.sequence} if corrects else {}),
            **(
                {"second_signature_by": second_signature_by.username} if second_signature_by else {}
            ),
        },
    )
    if result == HashResult.MISMATCH:
        _notify_mismatch(item=item, event=event)
    if kind == EventKind.SUBMITTED:
        # The submission clock is the hash-set register's now (casework.hashsets): it is met by
        # recording the sharing to the national database or ICSE there, not by this event.
        events.publish(events.EvidenceSubmitted(item=item, actor=actor, custody_event=event))
    return event


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
    _require_case_worker(actor, item.case)
    if kind in FINAL_KINDS:
        raise DomainError(
            f"{EventKind(kind).label} needs a supervisor's second signature: request it "
            "and a supervisor of the unit countersigns.",
            field="kind",
        )
    locked = _lock_item(item, expected_last_event)
    fields = _clean_fields(details)
    if change_made_by is not None:
        fields["change_made_by"] = change_made_by
    if kind == EventKind.CORRECTION and started_at is None:
        started_at = timezone.now()
    _validate_chain(
        item=locked,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        released_by=released_by,
        received_by=received_by,
        actor=actor,
        fields=fields,
        corrects=corrects,
    )
    fields.pop("change_made_by", None)
    event = _append(
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


# --- release and disposal: two people ---------------------------------------------------------


def _load_sign_off_fields(raw: dict[str, Any]) -> dict[str, Any]:
    fields = dict(raw)
    for name in ("started_at", "ended_at"):
        if fields.get(name):
            fields[name] = parse_datetime(fields[name])
    return fields


@transaction.atomic
def signoff_request(
    *,
    actor: User,
    item: EvidenceItem,
    kind: str,
    started_at: datetime | None,
    expected_last_event: int | None = None,
    **details: Any,
) -> CustodySignOff:
    """Ask for a release or disposal; it happens when another supervisor countersigns."""
    require_person(actor, "ask for a release or disposal")
    _require_case_worker(actor, item.case)
    if kind not in FINAL_KINDS:
        raise DomainError("Only release and disposal need a second signature.", field="kind")
    locked = _lock_item(item, expected_last_event)
    unknown = set(details) - set(SIGN_OFF_FIELDS)
    if unknown:
        raise DomainError(f"Unknown details: {', '.join(sorted(unknown))}.")
    offset = int(details.pop("local_offset_minutes", 0) or 0)
    ended_at = details.pop("ended_at", None)
    fields = _clean_fields(details)
    _validate_chain(
        item=locked,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        released_by=None,
        received_by=None,
        actor=actor,
        fields=fields,
        corrects=None,
    )
    if CustodySignOff.objects.filter(item=locked, state=SignOffState.PENDING).exists():
        raise ConflictError(
            f"A release or disposal of exhibit {locked.exhibit_number} is already awaiting a "
            "second signature.",
            field="kind",
        )
    fields.pop("seal_numbers", None)
    payload = {
        **fields,
        "started_at": started_at.isoformat(),
        "ended_at": ended_at.isoformat() if ended_at else None,
        "local_offset_minutes": offset,
        "expected_last_event": locked.last_event_id,
    }
    sign_off = CustodySignOff.objects.create(
        item=locked, kind=kind, fields=payload, requested_by=actor
    )
    audit_record(
        actor=actor,
        action="custody_signoff.request",
        target=sign_off,
        case_id=locked.case_id,
        details={"exhibit": locked.exhibit_number, "kind": kind},
    )
    supervisors = User.objects.filter(
        unit_id=locked.case.unit_id,
        is_active=True,
        is_service_account=False,
        groups__name=Role.SUPERVISOR,
    ).exclude(pk=actor.pk)
    notify(
        recipients=supervisors,
        kind="custody.sign_off",
        subject=f"Second signature needed: {EventKind(kind).label.lower()} of exhibit "
        f"{locked.exhibit_number} ({locked.case.number})",
        link=reverse("custody:item", kwargs={"public_id": locked.public_id}),
        dedupe_key=f"custody.sign_off:{sign_off.pk}",
        email=False,
    )
    return sign_off


def _require_second_signer(actor: User, sign_off: CustodySignOff) -> None:
    require_person(actor, "countersign a release or disposal")
    case = sign_off.item.case
    if not actor.is_active or not actor.has_role(Role.SUPERVISOR) or actor.unit_id != case.unit_id:
        raise DomainError(
            f"Only a supervisor of {case.unit.name} can countersign this.", status=403
        )
    if actor.pk == sign_off.requested_by_id:
        raise DomainError(
            "The second signature must come from a different person than the request.",
            status=403,
        )
    if sign_off.state != SignOffState.PENDING:
        raise ConflictError("This request has already been decided.")


@transaction.atomic
def signoff_countersign(*, actor: User, sign_off: CustodySignOff) -> CustodyEvent:
    """A second supervisor signs: the release or disposal event is written with both names."""
    sign_off = CustodySignOff.objects.select_for_update().get(pk=sign_off.pk)
    _require_second_signer(actor, sign_off)
    fields = _load_sign_off_fields(sign_off.fields)
    expected = fields.pop("expected_last_event", None)
    started_at = fields.pop("started_at")
    ended_at = fields.pop("ended_at", None)
    offset = fields.pop("local_offset_minutes", 0)
    locked = _lock_item(sign_off.item, expected)
    _validate_chain(
        item=locked,
        kind=sign_off.kind,
        started_at=started_at,
        ended_at=ended_at,
        released_by=None,
        received_by=None,
        actor=actor,
        fields=fields,
        corrects=None,
    )
    event = _append(
        actor=sign_off.requested_by,
        item=locked,
        kind=sign_off.kind,
        started_at=started_at,
        ended_at=ended_at,
        local_offset_minutes=offset,
        released_by=locked.current_holder,
        received_by=None,
        change_made_by=None,
        corrects=None,
        fields=fields,
        second_signature_by=actor,
    )
    sign_off.state = SignOffState.SIGNED
    sign_off.decided_by = actor
    sign_off.decided_at = event.second_signed_at
    sign_off.event = event
    sign_off.save(update_fields=["state", "decided_by", "decided_at", "event", "updated_at"])
    audit_record(
        actor=actor,
        action="custody_signoff.countersign",
        target=sign_off,
        case_id=locked.case_id,
        details={"exhibit": locked.exhibit_number, "kind": sign_off.kind},
    )
    return event


@transaction.atomic
def signoff_refuse(*, actor: User, sign_off: CustodySignOff, reason: str = "") -> CustodySignOff:
    """A supervisor refuses the release or disposal; nothing happens to the item."""
    sign_off = CustodySignOff.objects.select_for_update().get(pk=sign_off.pk)
    _require_second_signer(actor, sign_off)
    sign_off.state = SignOffState.REFUSED
    sign_off.decided_by = actor
    sign_off.decided_at = timezone.now()
    sign_off.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="custody_signoff.refuse",
        target=sign_off,
        case_id=sign_off.item.case_id,
        details={"exhibit": sign_off.item.exhibit_number, "reason": reason.strip()},
    )
    return sign_off


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

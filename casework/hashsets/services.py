"""Writes to the hash-set register: each one transaction and one audit event.

The register owns two clocks in the deadlines app. The *submission* clock (kind
``icse_submission``, source ``custody.evidenceitem`` and the item's id, as custody started it
before the register existed, so clocks already running are met the same way) starts when an item
is seized and is met only by recording a sharing of a set made from that item to the national
database or ICSE. The *acknowledgement* clock (kind ``hash_set_acknowledgement``, source
``hashsets.sharing``) starts with each sharing and is met only by recording the receiver's
acknowledgement; overdue, the deadlines sweep escalates it to the unit's supervisors. Neither is
waived here: a clock ends met, or stays open (and then missed) for a person to decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.choices import Role
from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.cases.selectors import case_is_visible
from casework.core.errors import ConflictError, DomainError, FieldError
from casework.core.validation import CLOCK_SKEW, INTEGER, text_problem
from casework.custody.services import item_submission_note
from casework.deadlines.choices import DeadlineKind
from casework.deadlines.rules import rule_for
from casework.deadlines.services import (
    deadline_start,
    deadline_start_automatic,
    deadlines_meet,
)

from .choices import AGENCY_DESTINATIONS, SUBMISSION_DESTINATIONS, Destination, SetAlgorithm
from .manifest import UNCATEGORISED, ManifestRefused, read_manifest
from .models import CATEGORY_MAX, HashSet, HashSetSharing

ITEM_SOURCE = "custody.evidenceitem"
SHARING_SOURCE = "hashsets.sharing"
SUBMISSION_KIND = DeadlineKind.ICSE_SUBMISSION
ACKNOWLEDGEMENT_KIND = DeadlineKind.HASH_SET_ACKNOWLEDGEMENT


# --- checks ------------------------------------------------------------------------------------


def _require_case_worker(actor, case) -> None:
    """Investigators and supervisors who can see the case keep its register."""
    if (
        actor is None
        or not actor.is_active
        or not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
        or not case_is_visible(user=actor, case=case)
    ):
        raise DomainError(f"You cannot record hash sets on {case}.", status=403)
    if case.is_closed:
        raise DomainError(f"{case} is closed; its hash-set register cannot change.")


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool) -> str:
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise DomainError(f"Give the {label}.", field=field)
        return ""
    problem = text_problem(value, max_length=max_length)
    if problem:
        raise DomainError(problem, field=field)
    return value


def _time(value: datetime | None, *, field: str, label: str) -> datetime:
    if value is None:
        raise DomainError(f"Give the time {label}.", field=field)
    if timezone.is_naive(value):
        raise DomainError("Give the time with its time zone.", field=field)
    if value > timezone.now() + CLOCK_SKEW:
        raise DomainError("This time is in the future.", field=field)
    return value


def clean_counts(counts: dict | None) -> dict[str, int]:
    """Counts by category code ("0".."99" or "uncategorised"), each a whole number."""
    cleaned: dict[str, int] = {}
    for raw_key, raw_value in (counts or {}).items():
        key = str(raw_key).strip().lower()
        if key != UNCATEGORISED and not (key.isdigit() and int(key) <= CATEGORY_MAX):
            raise DomainError(
                f"Category {str(raw_key)[:20]!r} is not a category code: use 0 to "
                f"{CATEGORY_MAX}, or '{UNCATEGORISED}'.",
                field="counts",
            )
        if isinstance(raw_value, bool) or not isinstance(raw_value, int):
            raise DomainError(f"The count for category {key} is a whole number.", field="counts")
        if not 0 <= raw_value <= INTEGER[1]:
            raise DomainError(
                f"The count for category {key} is between 0 and {INTEGER[1]:,}.", field="counts"
            )
        key = key if key == UNCATEGORISED else str(int(key))
        cleaned[key] = cleaned.get(key, 0) + raw_value
    if sum(cleaned.values()) > INTEGER[1]:
        raise DomainError("The counts add up to more than a set can hold.", field="counts")
    return cleaned


def _algorithms(values) -> list[str]:
    chosen = []
    for value in values or ():
        value = str(value).strip().lower()
        if value not in SetAlgorithm.values:
            raise DomainError(
                f"Unknown hash algorithm {value[:20]!r}; use one of "
                f"{', '.join(SetAlgorithm.values)}.",
                field="algorithms",
            )
        if value not in chosen:
            chosen.append(value)
    return chosen


# --- the submission clock ----------------------------------------------------------------------


def submission_clock_start(*, actor, item):
    """Start (or adopt an open) submission clock for a seized item; None when the rule is off.

    Called from the ``evidence.seized`` handler, inside the seizure's transaction."""
    if rule_for(kind=SUBMISSION_KIND) is None:
        return None  # an administrator switched the rule off: seizing must not fail for it
    return deadline_start_automatic(
        actor=actor,
        kind=SUBMISSION_KIND,
        case=item.case,
        source_type=ITEM_SOURCE,
        source_id=str(item.pk),
        starts_at=item.seized_at,
        owner=item.case.lead,
        note=f"Share a hash set of exhibit {item.exhibit_number} with the national database "
        "or ICSE, and record it in the hash-set register.",
    )


# --- hash sets ---------------------------------------------------------------------------------


@transaction.atomic
def hash_set_create(
    *,
    actor,
    item,
    set_identifier: str,
    store_reference: str,
    made_at: datetime,
    algorithms=(),
    counts: dict | None = None,
) -> HashSet:
    """Register a hash set made from a seized item: where it lives and what it counts."""
    case = item.case
    _require_case_worker(actor, case)
    set_identifier = _text(
        set_identifier, field="set_identifier", label="set's id", max_length=120, required=True
    )
    store_reference = _text(
        store_reference,
        field="store_reference",
        label="evidence store's reference for the set",
        max_length=200,
        required=True,
    )
    made_at = _time(made_at, field="made_at", label="the set was made")
    if made_at < item.seized_at:
        raise DomainError(
            f"A set made from exhibit {item.exhibit_number} cannot be older than its seizure "
            f"({item.seized_at:%Y-%m-%d %H:%M} UTC).",
            field="made_at",
        )
    chosen = _algorithms(algorithms)
    cleaned = clean_counts(counts)
    if HashSet.objects.filter(item=item, set_identifier=set_identifier).exists():
        raise ConflictError(
            f"Set {set_identifier} of exhibit {item.exhibit_number} is already registered.",
            field="set_identifier",
        )
    hash_set = HashSet.objects.create(
        case=case,
        item=item,
        set_identifier=set_identifier,
        store_reference=store_reference,
        algorithms=chosen,
        counts=cleaned,
        total=sum(cleaned.values()),
        made_at=made_at,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="hash_set.create",
        target=hash_set,
        case_id=case.pk,
        changes={
            "set_identifier": [None, set_identifier],
            "store_reference": [None, store_reference],
            "counts": [None, cleaned],
        },
        details={"exhibit": item.exhibit_number},
    )
    return hash_set


def manifest_error(refused: ManifestRefused) -> DomainError:
    """The refusal as the one domain error: each problem at its field, with its line."""
    return DomainError(
        errors=[
            FieldError(field=p.field, message=f"line {p.line}: {p.message}", code="manifest")
            for p in refused.problems
        ]
    )


@transaction.atomic
def hash_set_manifest_import(*, actor, hash_set: HashSet, raw: bytes, source: str = "") -> HashSet:
    """Fill a set's counts from a VICS manifest: counts by category and the file's digest only.

    Refused whole (``DomainError`` whose errors carry the line and field) when the file is not
    JSON, carries media or thumbnails, or has a malformed hash; nothing is written then. The
    same manifest again changes nothing; a different one is refused (counts are not replaced:
    register a new set for a new export)."""
    _require_case_worker(actor, hash_set.case)
    try:
        read = read_manifest(raw)
    except ManifestRefused as refused:
        raise manifest_error(refused) from refused
    locked = HashSet.objects.select_for_update().get(pk=hash_set.pk)
    if locked.manifest_sha256 == read.sha256:
        return locked
    if locked.manifest_sha256:
        raise ConflictError(
            f"Set {locked.set_identifier} already has its counts from manifest "
            f"{locked.manifest_sha256[:12]}…; register a new set for another export.",
            field="manifest",
        )
    previous = locked.counts
    locked.counts = read.counts
    locked.total = read.total
    locked.algorithms = sorted(set(locked.algorithms) | set(read.algorithms))
    locked.manifest_sha256 = read.sha256
    locked.manifest_imported_at = timezone.now()
    locked.save(
        update_fields=[
            "counts",
            "total",
            "algorithms",
            "manifest_sha256",
            "manifest_imported_at",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="hash_set.manifest_import",
        target=locked,
        case_id=locked.case_id,
        changes={"counts": [previous or None, read.counts]},
        details={
            "manifest_sha256": read.sha256,
            "bytes": read.size_bytes,
            "source": source[:200],
        },
    )
    return locked


# --- sharings ----------------------------------------------------------------------------------


def _sharing_destination(destination: str, agency):
    """The agency a sharing names: required for a partner, dropped for a database."""
    if destination not in Destination.values:
        raise DomainError(
            "Choose where the set went: " + ", ".join(Destination.labels) + ".",
            field="destination",
        )
    if destination in AGENCY_DESTINATIONS and agency is None:
        raise DomainError("Name the receiving agency from the partner directory.", field="agency")
    return agency if destination in AGENCY_DESTINATIONS else None


def _sharing_clocks(*, actor, sharing: HashSetSharing) -> None:
    """A submission meets the seizure's submission clock; every sharing starts an
    acknowledgement clock (unless an administrator switched its rule off). What moved is kept
    on the sharing so the confirmation can say it."""
    hash_set = sharing.hash_set
    met = 0
    if sharing.destination in SUBMISSION_DESTINATIONS:
        met = deadlines_meet(
            actor=actor,
            source_type=ITEM_SOURCE,
            source_id=str(hash_set.item_id),
            kinds=[SUBMISSION_KIND],
        )
        # The exhibit keeps its first submission time (the oversight figures and its page
        # read it); the register is where every sharing is recorded.
        item_submission_note(actor=actor, item=hash_set.item, submitted_at=sharing.shared_at)
    sharing.clocks_met = met
    sharing.started_clock = None
    if rule_for(kind=ACKNOWLEDGEMENT_KIND) is not None:
        sharing.started_clock = deadline_start(
            actor=actor,
            kind=ACKNOWLEDGEMENT_KIND,
            case=hash_set.case,
            source_type=SHARING_SOURCE,
            source_id=str(sharing.pk),
            starts_at=sharing.shared_at,
            owner=actor,
            note=f"Acknowledgement of set {hash_set.set_identifier} by "
            f"{sharing.destination_label}.",
        )


@transaction.atomic
def hash_set_share(
    *,
    actor,
    hash_set: HashSet,
    destination: str,
    shared_at: datetime,
    agency=None,
    reference_received: str = "",
) -> HashSetSharing:
    """Record that a set was sent to a database or partner.

    A sharing to the national database or ICSE meets the seizure's submission clock; every
    sharing starts an acknowledgement clock. Recorded by a person: the register says who sent
    the set, and a service account is no one."""
    require_person(actor, "record that a hash set was shared")
    case = hash_set.case
    _require_case_worker(actor, case)
    agency = _sharing_destination(destination, agency)
    shared_at = _time(shared_at, field="shared_at", label="the set was sent")
    if shared_at < hash_set.made_at:
        raise DomainError(
            f"The set was made at {hash_set.made_at:%Y-%m-%d %H:%M} UTC; it cannot have been "
            "sent before.",
            field="shared_at",
        )
    reference_received = _text(
        reference_received,
        field="reference_received",
        label="reference",
        max_length=120,
        required=False,
    )
    try:
        with transaction.atomic():
            sharing = HashSetSharing.objects.create(
                hash_set=hash_set,
                destination=destination,
                agency=agency,
                shared_at=shared_at,
                shared_by=actor,
                reference_received=reference_received,
            )
    except IntegrityError as error:  # pragma: no cover - the checks above hold the constraints
        raise DomainError("This sharing contradicts the register.", field="destination") from error
    audit_record(
        actor=actor,
        action="hash_set.share",
        target=sharing,
        case_id=case.pk,
        changes={"destination": [None, sharing.destination_label]},
        details={
            "set": hash_set.set_identifier,
            "shared_at": shared_at.isoformat(),
            "reference_received": reference_received,
        },
    )
    _sharing_clocks(actor=actor, sharing=sharing)
    return sharing


@transaction.atomic
def hash_set_sharing_acknowledge(
    *,
    actor,
    sharing: HashSetSharing,
    acknowledged_at: datetime,
    acknowledgement: str,
    reference_received: str = "",
) -> HashSetSharing:
    """Record the receiver's acknowledgement (when, and what it said); meets its clock."""
    hash_set = sharing.hash_set
    _require_case_worker(actor, hash_set.case)
    acknowledged_at = _time(
        acknowledged_at, field="acknowledged_at", label="the acknowledgement came"
    )
    acknowledgement = _text(
        acknowledgement,
        field="acknowledgement",
        label="acknowledgement's words (what the receiver said)",
        max_length=300,
        required=True,
    )
    reference_received = _text(
        reference_received,
        field="reference_received",
        label="reference",
        max_length=120,
        required=False,
    )
    locked = HashSetSharing.objects.select_for_update().get(pk=sharing.pk)
    if locked.acknowledged_at is not None:
        raise ConflictError(
            f"This sharing was acknowledged at {locked.acknowledged_at:%Y-%m-%d %H:%M} UTC; "
            "an acknowledgement is recorded once.",
            field="acknowledged_at",
        )
    if acknowledged_at < locked.shared_at:
        raise DomainError(
            f"The set was sent at {locked.shared_at:%Y-%m-%d %H:%M} UTC; it cannot have been "
            "acknowledged before.",
            field="acknowledged_at",
        )
    if (
        reference_received
        and locked.reference_received
        and (reference_received != locked.reference_received)
    ):
        raise DomainError(
            f"The reference received is already {locked.reference_received}.",
            field="reference_received",
        )
    locked.acknowledged_at = acknowledged_at
    locked.acknowledgement = acknowledgement
    locked.acknowledged_recorded_by = actor
    update = ["acknowledged_at", "acknowledgement", "acknowledged_recorded_by", "updated_at"]
    if reference_received and not locked.reference_received:
        locked.reference_received = reference_received
        update.append("reference_received")
    locked.save(update_fields=update)
    audit_record(
        actor=actor,
        action="hash_set.acknowledge",
        target=locked,
        case_id=hash_set.case_id,
        changes={"acknowledged_at": [None, acknowledged_at.isoformat()]},
        details={"set": hash_set.set_identifier, "acknowledgement": acknowledgement},
    )
    deadlines_meet(
        actor=actor,
        source_type=SHARING_SOURCE,
        source_id=str(locked.pk),
        kinds=[ACKNOWLEDGEMENT_KIND],
    )
    return locked


@transaction.atomic
def hash_sets_move_case(*, actor, duplicate, original) -> int:
    """A merged case's sets follow its evidence items to the case kept (the merge is the cases
    app's decision, checked there)."""
    moved = HashSet.objects.filter(case=duplicate).update(case=original, updated_at=timezone.now())
    if moved:
        audit_record(
            actor=actor,
            action="hash_set.move_case",
            object_type="hashsets.hashset",
            object_id=duplicate.number,
            case_id=original.pk,
            changes={"case": [duplicate.number, original.number]},
            details={"sets": moved},
        )
    return moved

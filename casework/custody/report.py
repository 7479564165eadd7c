"""The custody report a court reads: the chain, the hashes, the signatures, and the gaps.

It is built from the same rows the web pages show, with every weakness a defence lawyer would
look for listed as a "gap" rather than hidden: a hand-over the receiver never acknowledged, a
seal found broken, a hash that did not match, a correction, a release or disposal still
unsigned. It states when it was generated and the audit checkpoint it was made under, so the
reader can check that the trail behind it has not been rewritten since.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Q
from django.utils import timezone

from casework.audit import case_proofs, keys, notes
from casework.audit.models import AuditEvent

from .choices import HANDOVER_KINDS, EventKind, HashResult, SealState
from .models import CustodyEvent, EvidenceItem


@dataclass
class ChainRow:
    event: CustodyEvent
    local_time: str
    local_end: str
    acknowledged: str
    signatures: str
    corrected_by: list[int] = field(default_factory=list)
    audit: AuditLink | None = None


@dataclass
class ItemReport:
    item: EvidenceItem
    rows: list[ChainRow]
    gaps: list[str]


@dataclass
class Checkpoint:
    """What the report can say about the audit trail it was generated under, and how to check it.

    ``note`` is the signed checkpoint exactly as the log signed it; ``root`` is its root hash as
    the note prints it (base64), so a reader can compare the two by eye.
    """

    label: str
    detail: str
    note: str = ""
    key_name: str = ""
    key_id: str = ""
    verifier_key: str = ""
    tree_size: int = 0
    root: str = ""


@dataclass(frozen=True)
class AuditLink:
    """The audit event that recorded a custody event, and whether the checkpoint covers it."""

    event_id: int
    position: int | None
    covered: bool


def _local(value: datetime | None, offset_minutes: int) -> str:
    if value is None:
        return ""
    zone = dt_timezone(timedelta(minutes=offset_minutes))
    local = value.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M %z")[:-2] + ":" + local.strftime("%z")[-2:]


def _person(user) -> str:
    if user is None:
        return ""
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def item_report(item: EvidenceItem, links: dict[int, AuditLink] | None = None) -> ItemReport:
    """The chain of one item (hashes, events, sign-offs prefetched) with its gaps.

    ``links``: the audit event of each custody event (``custody_audit_links``), when the report
    states its proof.
    """
    links = links or {}
    events = list(item.events.all())
    corrections: dict[int, list[int]] = {}
    for event in events:
        if event.corrects_id:
            corrections.setdefault(event.corrects_id, []).append(event.sequence)
    rows: list[ChainRow] = []
    gaps: list[str] = []
    for event in events:
        ack = getattr(event, "acknowledgement", None) if event.received_by_id else None
        if event.received_by_id:
            acknowledged = (
                f"{_person(ack.acknowledged_by)} at {ack.acknowledged_at:%Y-%m-%d %H:%M} UTC"
                if ack
                else "NOT ACKNOWLEDGED"
            )
        else:
            acknowledged = ""
        signatures = f"recorded by {_person(event.recorded_by)}"
        if event.second_signature_by_id:
            signatures += (
                f"; countersigned by {_person(event.second_signature_by)} at "
                f"{event.second_signed_at:%Y-%m-%d %H:%M} UTC"
            )
        rows.append(
            ChainRow(
                event=event,
                local_time=_local(event.started_at, event.local_offset_minutes),
                local_end=_local(event.ended_at, event.local_offset_minutes),
                acknowledged=acknowledged,
                signatures=signatures,
                corrected_by=corrections.get(event.pk, []),
                audit=links.get(event.pk),
            )
        )
        label = f"#{event.sequence} {event.get_kind_display()}"
        if event.received_by_id and ack is None:
            gaps.append(f"{label}: the receiver has not acknowledged taking the item.")
        if event.seal_state == SealState.BROKEN:
            gaps.append(f"{label}: the seal was found broken on receipt.")
        if event.kind in HANDOVER_KINDS and not event.ended_at and event.transport_method:
            gaps.append(f"{label}: transport has no end time.")
        if event.hash_result == HashResult.MISMATCH:
            gaps.append(
                f"{label}: {event.get_hash_algorithm_display()} did not match the store's value."
            )
        if event.change_made:
            gaps.append(
                f"{label}: unavoidable change — {event.change_made} "
                f"(by {_person(event.change_made_by)}: {event.change_reason})."
            )
        if event.pk in corrections:
            gaps.append(
                f"{label}: corrected by event(s) "
                f"{', '.join(f'#{n}' for n in corrections[event.pk])}."
            )
    if not list(item.hashes.all()):
        gaps.append("No hash value from the evidence store is recorded.")
    if item.kind != "document" and not any(e.kind == EventKind.SUBMITTED for e in events):
        gaps.append("Not yet submitted to the national database / ICSE.")
    for sign_off in item.sign_offs.all():
        if sign_off.state == "pending":
            gaps.append(
                f"{sign_off.get_kind_display()} requested by {_person(sign_off.requested_by)} "
                "awaits a supervisor's second signature."
            )
    return ItemReport(item=item, rows=rows, gaps=gaps)


def audit_checkpoint(checkpoint=None) -> Checkpoint:
    """The latest signed audit checkpoint (or ``checkpoint``), with its note and key.

    Without a signed checkpoint yet, the latest audit event id is shown instead.
    """
    latest = checkpoint or case_proofs.latest_signed_checkpoint()
    if latest is None:
        last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        return Checkpoint(
            label=f"Latest audit event #{last_id or 0}",
            detail="No audit checkpoint has been signed yet; the latest audit event id is "
            "shown instead.",
        )
    signed = notes.parse(latest.signed_note)[0]
    verifier = keys.verifier_key()
    key_name, key_id, _ = notes.parse_verifier_key(verifier)
    root = base64.b64encode(signed.root).decode()
    return Checkpoint(
        label=f"Audit checkpoint #{latest.pk} (signed)",
        detail=(
            f"tree size {signed.size}, root {root}, made {latest.created_at:%Y-%m-%d %H:%M:%S} UTC"
        ),
        note=case_proofs.checkpoint_note(latest),
        key_name=key_name,
        key_id=key_id.hex(),
        verifier_key=verifier,
        tree_size=signed.size,
        root=root,
    )


def custody_audit_links(items: list[EvidenceItem], tree_size: int) -> dict[int, AuditLink]:
    """The audit event behind each custody event of ``items``, by custody event id.

    A seizure is recorded with its item (``evidence_item.create``), every later event by
    ``custody_event.create``; one query through the ledger's (object type, object id) index.
    """
    seizures = {str(item.pk): e.pk for item in items for e in item.events.all() if e.sequence == 1}
    later = [str(e.pk) for item in items for e in item.events.all() if e.sequence > 1]
    rows = AuditEvent.objects.filter(
        Q(object_type="custody.evidenceitem", object_id__in=list(seizures))
        & Q(action="evidence_item.create")
        | Q(object_type="custody.custodyevent", object_id__in=later)
        & Q(action="custody_event.create")
    ).values_list("pk", "object_type", "object_id", "seal__position")
    links: dict[int, AuditLink] = {}
    for event_id, object_type, object_id, position in rows:
        custody_id = (
            seizures[object_id] if object_type == "custody.evidenceitem" else int(object_id)
        )
        covered = position is not None and position < tree_size
        links[custody_id] = AuditLink(event_id=event_id, position=position, covered=covered)
    return links


def generated_at() -> datetime:
    return timezone.now()

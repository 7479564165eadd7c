"""State changes of referrals: intake, duplicates, identifiers and triage.

Each function is one transaction, validates first, writes its audit event and publishes the
domain event the deadlines app listens to (``ReferralReceived``, ``ReferralTriaged``).
Triage moves: new -> in triage -> accepted (into a new or an existing case) / declined (with a
reason) / referred out (to a partner agency); the three outcomes are final.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.accounts.choices import Role
from casework.accounts.models import Unit, User
from casework.audit.services import audit_record
from casework.cases import services as case_services
from casework.cases.choices import Priority
from casework.cases.models import Case
from casework.cases.selectors import case_is_visible
from casework.core import events
from casework.core.errors import DomainError, NotFound
from casework.privacy.crypto import fingerprint, protect_identifier
from casework.privacy.models import KeyScope
from casework.privacy.services import data_key_cipher

from . import deconfliction
from .choices import OPEN_STATUSES, IntakeChannel, ReferralStatus, TriageOutcome
from .clocks import TriageClock, triage_clock, triage_due
from .models import DuplicateArrival, IncidentType, Referral, ReferralIdentifier, triage_seconds
from .selectors import referrals_visible_to
from .validation import CleanIdentifier, CleanReferral, clean_identifier, clean_referral


@dataclass(frozen=True)
class ReceiveResult:
    """What intake did: a new referral, or the original that this arrival duplicates."""

    referral: Referral
    duplicate: bool
    arrival: DuplicateArrival | None = None


def active_incident_types() -> dict[str, int]:
    return dict(IncidentType.objects.filter(active=True).values_list("code", "id"))


def _require_intake(actor: User, unit: Unit) -> None:
    if (
        actor is None
        or not actor.is_active
        or actor.unit_id != unit.pk
        or not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR)
    ):
        raise DomainError(f"Only investigators of {unit.name} record its referrals.", status=403)


def _locked_for_triage(actor: User, referral: Referral) -> Referral:
    """Re-read the referral under a row lock, as ``actor`` may see it; refuse closed moves."""
    if actor is None or not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise DomainError("Only investigators and supervisors triage referrals.", status=403)
    locked = (
        referrals_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk=referral.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such referral that you can see.")
    return locked


def _require_open(referral: Referral) -> None:
    if referral.status not in OPEN_STATUSES:
        raise DomainError(
            f"This referral is already {referral.get_status_display().lower()}; "
            "its triage has ended.",
            field="status",
            code="illegal_transition",
        )


def referral_row(
    clean: CleanReferral,
    *,
    unit_id: int,
    actor_id: int | None,
    channel: str,
    triage_due: TriageClock,
) -> dict[str, Any]:
    """The stored values of a new referral, by field ``attname``.

    The one row builder of intake: ``referral_receive`` creates the model from it and
    ``referrals_receive_bulk`` copies it into the table, so a referral reads the same whichever
    way it arrived. ``triage_due`` is the unit's triage clock, read once by the caller
    (``clocks.triage_clock``): the due time is computed here, in Python, for both paths.
    """
    return {
        "unit_id": unit_id,
        "source_kind": clean.source_kind,
        "source_agency": clean.source_agency,
        "source_reference": clean.source_reference,
        "received_at": clean.received_at,
        "incident_at": clean.incident_at,
        "incident_type_id": clean.incident_type_id,
        "jurisdiction": clean.jurisdiction,
        "priority": clean.priority,
        "source_priority": clean.source_priority,
        "escalation_requested": clean.escalation_requested,
        "summary": clean.summary,
        "channel": channel,
        "triage_due_at": triage_due(clean.received_at, clean.priority),
        "created_by_id": actor_id,
    }


def identifier_row(item: CleanIdentifier, *, referral_id: int, cipher) -> dict[str, Any]:
    """The stored values of one referral identifier, by field ``attname`` (both intake paths):
    the values encrypted under the referral's data key (``cipher``), bound to the referral, and
    their keyed fingerprints (``casework.privacy``)."""
    protected = protect_identifier(
        columns=ReferralIdentifier.privacy_columns(),
        owner=f"{ReferralIdentifier.privacy_scope}:{referral_id}",
        aead=cipher,
        kind=item.kind,
        raw=item.raw,
        normal=item.normal,
        service=item.service,
    )
    return {
        "kind": item.kind,
        "raw_ct": protected.raw_ct,
        "normal_ct": protected.normal_ct,
        "fingerprint": protected.fingerprint,
        "name_fingerprint": protected.name_fingerprint,
        "service": item.service,
        "device_kind": item.device_kind,
        "ip_event": item.ip_event,
        "observed_at": item.observed_at,
        "port": item.port,
    }


def _identifier_rows(referral: Referral, identifiers: Sequence[CleanIdentifier]) -> list:
    """Rows ready to insert: values encrypted under the referral's data key, fingerprinted."""
    if not identifiers:
        return []
    cipher = data_key_cipher(KeyScope.REFERRAL, referral.pk)
    rows = []
    for item in identifiers:
        row = ReferralIdentifier(
            referral=referral, **identifier_row(item, referral_id=referral.pk, cipher=cipher)
        )
        row.__dict__["_privacy_revealed"] = (item.raw, item.normal)  # known: no decrypting back
        rows.append(row)
    return rows


def _deconflict_rows(actor: User, referral: Referral, rows: list[ReferralIdentifier]) -> None:
    for row in rows:
        matches = deconfliction.deconflict_one(
            actor=actor, kind=row.kind, normal=row.normal, context_label=f"referral {referral.pk}"
        )
        if matches:
            row.match_count = len(matches)
            row.save(update_fields=["match_count", "updated_at"])
        row.matches = matches


def _record_duplicate(
    *, actor: User, original: Referral, unit: Unit, channel: str, received_at: datetime | None
) -> DuplicateArrival:
    arrival = DuplicateArrival.objects.create(
        referral=original,
        arrived_at=timezone.now(),
        channel=channel,
        received_at=received_at,
        recorded_by=actor,
        unit=unit,
    )
    audit_record(
        actor=actor,
        action="referral.duplicate",
        target=original,
        case_id=original.case_id,
        details={"channel": channel, "unit": unit.code, "arrival_id": arrival.pk},
    )
    return arrival


@transaction.atomic
def referral_receive(
    *,
    actor: User,
    unit: Unit,
    data: Mapping[str, Any],
    channel: str = IntakeChannel.WEB,
) -> ReceiveResult:
    """Record a referral arriving at ``unit``, or link a second arrival to the original.

    ``data`` holds the fields of ``casework.referrals.validation.clean_referral`` (strings or
    typed values) and ``identifiers``: a list of ``{kind, value, service, device_kind, ip_event,
    observed_at, port}``. Every invalid field is reported at once. Each identifier is
    deconflicted against every case.
    """
    _require_intake(actor, unit)
    clean, errors = clean_referral(data, incident_types=active_incident_types())
    if errors:
        raise DomainError(errors=errors)
    original = Referral.objects.filter(
        source_agency=clean.source_agency, source_reference=clean.source_reference
    ).first()
    if original is None:
        try:
            with transaction.atomic():
                referral = Referral(
                    **referral_row(
                        clean,
                        unit_id=unit.pk,
                        actor_id=actor.pk,
                        channel=channel,
                        triage_due=triage_clock(unit=unit),
                    )
                )
                referral.unit, referral.created_by = unit, actor  # already loaded: no query
                referral.save(force_insert=True)
        except IntegrityError:
            # Another arrival of the same report won the race: this one is its duplicate.
            original = Referral.objects.get(
                source_agency=clean.source_agency, source_reference=clean.source_reference
            )
    if original is not None:
        arrival = _record_duplicate(
            actor=actor,
            original=original,
            unit=unit,
            channel=channel,
            received_at=clean.received_at,
        )
        return ReceiveResult(referral=original, duplicate=True, arrival=arrival)
    rows = ReferralIdentifier.objects.bulk_create(_identifier_rows(referral, clean.identifiers))
    audit_record(
        actor=actor,
        action="referral.create",
        target=referral,
        changes={
            "source_agency": [None, referral.source_agency],
            "source_reference": [None, referral.source_reference],
            "priority": [None, referral.priority],
        },
        details={"channel": channel, "identifiers": len(rows)},
    )
    _deconflict_rows(actor, referral, rows)
    events.publish(events.ReferralReceived(referral=referral, actor=actor))
    return ReceiveResult(referral=referral, duplicate=False)


@transaction.atomic
def referral_identifier_add(
    *, actor: User, referral: Referral, data: Mapping[str, Any]
) -> ReferralIdentifier:
    """Add an identifier to a referral still in triage, and deconflict it."""
    referral = _locked_for_triage(actor, referral)
    _require_open(referral)
    errors: list = []
    clean = clean_identifier(data, prefix="identifier", errors=errors)
    if errors or clean is None:
        # Field names without the prefix: a form or API body has one identifier.
        raise DomainError(
            errors=[type(e)(e.field.removeprefix("identifier."), e.message) for e in errors]
        )
    if referral.identifiers.filter(
        kind=clean.kind, fingerprint=fingerprint(clean.kind, clean.normal)
    ).exists():
        raise DomainError("This referral already holds this identifier.", field="value")
    (row,) = ReferralIdentifier.objects.bulk_create(_identifier_rows(referral, [clean]))
    audit_record(
        actor=actor,
        action="referral_identifier.create",
        target=row,
        # The keyed fingerprint, never the value: the ledger cannot forget (docs/privacy.md).
        changes={"kind": [None, row.kind], "fingerprint": [None, bytes(row.fingerprint).hex()]},
        details={"referral_id": referral.pk},
    )
    _deconflict_rows(actor, referral, [row])
    return row


@transaction.atomic
def referral_triage_start(*, actor: User, referral: Referral) -> Referral:
    """An investigator picks the referral up: new -> in triage."""
    referral = _locked_for_triage(actor, referral)
    if referral.status != ReferralStatus.NEW:
        raise DomainError(
            f"Triage can start only on a new referral; this one is "
            f"{referral.get_status_display().lower()}.",
            field="status",
            code="illegal_transition",
        )
    referral.status = ReferralStatus.IN_TRIAGE
    referral.triage_started_at = timezone.now()
    referral.triage_started_by = actor
    referral.save(update_fields=["status", "triage_started_at", "triage_started_by", "updated_at"])
    audit_record(
        actor=actor,
        action="referral.triage_start",
        target=referral,
        case_id=referral.case_id,
        changes={"status": [ReferralStatus.NEW, ReferralStatus.IN_TRIAGE]},
    )
    return referral


@transaction.atomic
def referral_prioritise(*, actor: User, referral: Referral, priority: str) -> Referral:
    """Change our priority during triage; the triage clock restarts from the received time."""
    referral = _locked_for_triage(actor, referral)
    _require_open(referral)
    if priority not in Priority.values:
        raise DomainError(f"{priority!r} is not a priority: use P1 to P4.", field="priority")
    before = referral.priority
    if before == priority:
        return referral
    referral.priority = priority
    referral.triage_due_at = triage_due(
        unit=referral.unit, received_at=referral.received_at, priority=priority
    )
    referral.save(update_fields=["priority", "triage_due_at", "updated_at"])
    audit_record(
        actor=actor,
        action="referral.prioritise",
        target=referral,
        changes={"priority": [before, priority]},
    )
    events.publish(events.ReferralReprioritised(referral=referral, actor=actor))
    return referral


@transaction.atomic
def referral_triage_due_set(
    *, actor: User | None, referral_id: int, due_at: datetime, reason: str
) -> bool:
    """Move the referral's triage due time to where its triage clock now stands.

    ``triage_due_at`` is the one stored triage due time (docs/deadlines.md): the queue orders
    by it and the clock keeps it in step. This app reckons it on arrival and re-prioritisation;
    when the clock's own time is decided in the deadlines app (extended, rescheduled), that app
    calls this in the same transaction. Returns whether it changed; a time that already agrees
    writes and audits nothing."""
    before = (
        Referral.objects.select_for_update()
        .filter(pk=referral_id)
        .values_list("triage_due_at", flat=True)
        .get()
    )
    if before == due_at:
        return False
    Referral.objects.filter(pk=referral_id).update(triage_due_at=due_at, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="referral.triage_due_set",
        object_type=Referral._meta.label_lower,
        object_id=str(referral_id),
        changes={"triage_due_at": [before.isoformat() if before else None, due_at.isoformat()]},
        details={"reason": reason},
    )
    return True


def _finish(referral: Referral, *, actor: User, status: str, fields: list[str]) -> str:
    before = referral.status
    referral.status = status
    referral.triaged_at = timezone.now()
    referral.triage_seconds = triage_seconds(referral.received_at, referral.triaged_at)
    referral.triaged_by = actor
    referral.save(
        update_fields=[
            "status",
            "triaged_at",
            "triage_seconds",
            "triaged_by",
            "updated_at",
            *fields,
        ]
    )
    return before


@transaction.atomic
def referral_accept(
    *,
    actor: User,
    referral: Referral,
    case: Case | None = None,
    title: str = "",
    lead: User | None = None,
) -> Referral:
    """Accept into ``case`` (which the actor must see, and which must be open) or, without one,
    into a new case of the referral's unit; the referral's identifiers are copied to the case,
    each deconflicted there. From now on the referral follows its case's access."""
    referral = _locked_for_triage(actor, referral)
    _require_open(referral)
    if case is not None:
        if not case_is_visible(user=actor, case=case):
            raise NotFound("No such case that you can see.")
        if case.is_closed:
            raise DomainError(f"{case.number} is closed: choose an open case.", field="case")
    else:
        title = (title or "").strip() or f"Referral {referral.source_reference}"
        case = case_services.case_open(
            actor=actor,
            unit=referral.unit,
            title=title[:200],
            lead=lead or actor,
            priority=referral.priority,
            incident_type_id=referral.incident_type_id,
        )
    referral.case = case
    before = _finish(referral, actor=actor, status=ReferralStatus.ACCEPTED, fields=["case"])
    copied = sum(
        deconfliction.copy_identifier_to_case(actor=actor, case=case, identifier=identifier)
        for identifier in referral.identifiers.all()
    )
    audit_record(
        actor=actor,
        action="referral.accept",
        target=referral,
        case_id=case.pk,
        changes={"status": [before, ReferralStatus.ACCEPTED], "case": [None, case.number]},
        details={"identifiers_copied": copied},
    )
    events.publish(
        events.ReferralTriaged(referral=referral, actor=actor, outcome=TriageOutcome.ACCEPTED)
    )
    return referral


@transaction.atomic
def referral_decline(*, actor: User, referral: Referral, reason: str) -> Referral:
    """Decline with a reason a colleague can read later (no further action, not a crime…)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the referral is declined.", field="reason")
    referral = _locked_for_triage(actor, referral)
    _require_open(referral)
    referral.decline_reason = reason
    before = _finish(
        referral, actor=actor, status=ReferralStatus.DECLINED, fields=["decline_reason"]
    )
    audit_record(
        actor=actor,
        action="referral.decline",
        target=referral,
        changes={"status": [before, ReferralStatus.DECLINED]},
        details={"reason": reason},
    )
    events.publish(
        events.ReferralTriaged(referral=referral, actor=actor, outcome=TriageOutcome.DECLINED)
    )
    return referral


@transaction.atomic
def referral_mark_referred_out(
    *, actor: User, referral: Referral, agency_name: str, reference: str = ""
) -> Referral:
    """End triage by passing the referral to a partner agency (the partners app keeps the
    record of the referral out and calls this)."""
    agency_name = " ".join((agency_name or "").split())
    if not agency_name:
        raise DomainError("Name the agency the referral goes to.", field="agency_name")
    if len(agency_name) > 200 or len(reference) > 200:
        raise DomainError("At most 200 characters.", field="agency_name")
    referral = _locked_for_triage(actor, referral)
    _require_open(referral)
    referral.referred_out_to = agency_name
    referral.referred_out_reference = (reference or "").strip()
    before = _finish(
        referral,
        actor=actor,
        status=ReferralStatus.REFERRED_OUT,
        fields=["referred_out_to", "referred_out_reference"],
    )
    audit_record(
        actor=actor,
        action="referral.refer_out",
        target=referral,
        changes={"status": [before, ReferralStatus.REFERRED_OUT]},
        details={"agency": agency_name, "reference": referral.referred_out_reference},
    )
    events.publish(
        events.ReferralTriaged(referral=referral, actor=actor, outcome=TriageOutcome.REFERRED_OUT)
    )
    return referral


@transaction.atomic
def referrals_move_case(*, actor, duplicate, original) -> int:
    """A merge (``CaseMerged``): referrals accepted into the duplicate follow the original."""
    moved = Referral.objects.filter(case=duplicate).update(case=original)
    audit_record(
        actor=actor,
        action="referral.move",
        object_type="cases.case",
        object_id=str(original.pk),
        case_id=original.pk,
        details={"from": duplicate.number, "referrals": moved},
    )
    return moved

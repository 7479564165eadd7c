"""Matching partners' pointers against ours, and telling our case's lead whom to call.

Every match is audited (``pointers.match``, one event per case) with counts, never a value, a
fingerprint of a single identifier, or a partner's handle next to our case. A hit notifies the
case's lead with the partner's point of contact, never the partner's case.
"""

from __future__ import annotations

import hashlib

from django.db import connection
from django.urls import NoReverseMatch, reverse

from casework.audit.services import audit_record
from casework.cases.models import Case, CaseIdentifier
from casework.core.notifications import notify
from casework.partners.key_models import PartnerInstallation

from .. import conf
from ..models import (
    OutgoingPointer,
    PartnerContact,
    PartnerPointer,
    PointerExchange,
    PointerHit,
    SharingUnit,
)
from .pointers import fingerprint, fingerprint_missing, table


def _case_link(case: Case) -> str:
    try:
        return reverse("cases:detail", args=[case.number])
    except NoReverseMatch:
        return ""


def _record_hits(
    *, actor, rows: list[tuple], installation: PartnerInstallation, trigger: str
) -> int:
    """Create a hit per (identifier, partner handle) not yet recorded; notify each case's lead
    once per call; one ``pointers.match`` audit event per case. ``rows`` are
    ``(identifier_id, case_id, handle, agency, unit, name, email, phone)``."""
    if not rows:
        return 0
    created = PointerHit.objects.bulk_create(
        [
            PointerHit(
                identifier_id=identifier_id,
                case_id=case_id,
                installation=installation,
                partner_handle=handle,
                agency=agency,
                unit=unit,
                contact_name=name,
                contact_email=email,
                contact_phone=phone,
            )
            for identifier_id, case_id, handle, agency, unit, name, email, phone in rows
        ],
        ignore_conflicts=True,
        unique_fields=["identifier", "installation", "partner_handle"],
    )
    per_case: dict[int, list[tuple]] = {}
    for row in rows:
        per_case.setdefault(row[1], []).append(row)
    for case in Case.objects.filter(pk__in=list(per_case)).select_related("lead"):
        case_rows = per_case[case.pk]
        audit_record(
            actor=actor,
            action="pointers.match",
            target=case,
            case_id=case.pk,
            details={
                "issuer": installation.issuer,
                "trigger": trigger,
                "identifiers": len({row[0] for row in case_rows}),
            },
        )
        _lead_notify(case=case, installation=installation, case_rows=case_rows)
    return len(created)


def _lead_notify(*, case: Case, installation: PartnerInstallation, case_rows: list[tuple]) -> None:
    """Tell the case's lead whom to call (once for these hits), never the partner's case."""
    contacts = sorted(
        {
            f"{r[5]} ({r[4]}, {r[3]})"
            + (f", {r[6]}" if r[6] else "")
            + (f", {r[7]}" if r[7] else "")
            for r in case_rows
        }
    )
    notify(
        recipients=[case.lead],
        kind="cooperation.hit",
        subject=f"Deconfliction: a partner agency holds an identifier of {case.number}",
        body=(
            f"{installation.agency} holds {len(case_rows)} identifier(s) that {case.number} "
            f"also holds. Whom to call: {'; '.join(contacts)}. They are not shown your case "
            "and you are not shown theirs; agree between you how to proceed, then confirm "
            "the hit on the case page."
        ),
        link=_case_link(case),
        dedupe_key=(
            "coop-hit:"
            + hashlib.sha256(
                f"{case.pk}:{installation.pk}:{sorted(r[2].hex for r in case_rows)}".encode()
            ).hexdigest()
        )[:200],
    )


_MATCH_SET_SQL = f"""
SELECT op.identifier_id, ci.case_id, pp.handle, pc.agency, pc.unit, pc.name, pc.email, pc.phone
FROM {{pointers}} pp
JOIN {table(PartnerContact)} pc ON pc.id = pp.contact_id
JOIN {table(OutgoingPointer)} op ON op.fingerprint = pp.fingerprint
JOIN {table(CaseIdentifier)} ci ON ci.id = op.identifier_id
WHERE pc.exchange_id = %s AND op.fingerprint_key_id = %s
"""


def match_partner_set(*, actor, exchange: PointerExchange, pointers_table: str = "") -> int:
    """Match a newly imported set against our shareable identifiers' fingerprints.

    Our fingerprints come from ``OutgoingPointer`` (kept by each export and by each new
    identifier); identifiers not yet fingerprinted under the set's key are fingerprinted first.
    ``pointers_table``: the table the import has just built the set in, before it is swapped
    in (by default, the partners' pointers)."""
    fingerprint_missing(exchange.fingerprint_key_id)
    pointers = (
        connection.ops.quote_name(pointers_table) if pointers_table else table(PartnerPointer)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _MATCH_SET_SQL.format(pointers=pointers),
            [exchange.pk, exchange.fingerprint_key_id],
        )
        rows = cursor.fetchall()
    return _record_hits(
        actor=actor, rows=rows, installation=exchange.installation, trigger="import"
    )


# The pointers are found by fingerprint first, whatever the planner believes about the table:
# joined to the contacts directly, a stale estimate (a set copied in since the last ANALYZE) made
# it read every pointer of the contact instead, a second per lookup at ten million pointers.
_PARTNER_POINTERS_SQL = f"""
WITH hit AS MATERIALIZED (
  SELECT contact_id, handle FROM {table(PartnerPointer)} WHERE fingerprint = ANY(%s)
)
SELECT pc.installation_id, hit.handle, pc.agency, pc.unit, pc.name, pc.email, pc.phone
FROM hit JOIN {table(PartnerContact)} pc ON pc.id = hit.contact_id
"""


def partner_pointers_for(kind: str, normal_value: str) -> list[tuple]:
    """Partner pointers whose fingerprint is this value's under any group key we hold: one
    index lookup per key (usually one). Rows: ``(installation_id, handle, agency, unit, name,
    email, phone)``."""
    fingerprints = [fingerprint(key.secret, kind, normal_value) for key in conf.group_keys()]
    with connection.cursor() as cursor:
        cursor.execute(_PARTNER_POINTERS_SQL, [fingerprints])
        return cursor.fetchall()


def identifier_match_partners(*, actor, identifier: CaseIdentifier) -> int:
    """A new identifier on an open case of an opted-in unit: look it up in partners' sets.

    Runs inside ``case_identifier_add``'s transaction (``IdentifierAdded`` event); an
    identifier of a unit that does not share is not looked up either (sharing is mutual)."""
    case = identifier.case
    if case.is_closed or not case.unit_id:
        return 0
    if not SharingUnit.objects.filter(unit_id=case.unit_id, active=True).exists():
        return 0
    # The normal value is decrypted under the case's data key by the model's field.
    found = partner_pointers_for(identifier.kind, identifier.normal_value)
    if not found:
        return 0
    installations = PartnerInstallation.objects.in_bulk({row[0] for row in found})
    total = 0
    for installation_id, installation in installations.items():
        rows = [
            (identifier.pk, case.pk, handle, agency, unit, name, email, phone)
            for inst, handle, agency, unit, name, email, phone in found
            if inst == installation_id
        ]
        total += _record_hits(
            actor=actor, rows=rows, installation=installation, trigger="identifier"
        )
    return total

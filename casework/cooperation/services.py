"""Exporting our pointer set, importing a partner's, matching, and confirming hits.

Every export, import and match is audited (``pointers.export``, ``pointers.import``,
``pointers.match``); audit details carry counts, key ids and digests, never a value, a
fingerprint of a single identifier, or a partner's handle next to our case. A hit notifies the
case's lead with the partner's point of contact, never the partner's case.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import itertools
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.cases.models import Case, CaseIdentifier
from casework.cases.selectors import case_visibility_q
from casework.core.errors import DomainError, FieldError, NotFound
from casework.core.notifications import notify
from casework.core.validation import text_problem
from casework.partners.key_models import PartnerInstallation, PartnerKey
from casework.partners.key_services import parse_public_key
from casework.privacy.crypto import UNREADABLE, associated_data, decrypt
from casework.privacy.selectors import ciphers_for

from . import conf
from . import pointer_format as fmt
from .choices import Direction, ExchangeChannel, HitState
from .models import (
    OutgoingPointer,
    PartnerContact,
    PointerExchange,
    PointerHit,
    SharingUnit,
)

STREAM_BATCH = 20_000


def fingerprint(secret: bytes, kind: str, normal_value: str) -> bytes:
    """HMAC-SHA-256 under the group key over ``kind``, a NUL byte, and the normal value."""
    return hmac.digest(secret, f"{kind}\x00{normal_value}".encode(), "sha256")


class ExportRow(NamedTuple):
    identifier_id: int
    unit_id: int
    kind: str
    normal_value: str
    handle: uuid.UUID | None
    fingerprint_key_id: str | None


# -- The one place normal values are read for export: decrypted under each case's data key ----

_EXPORT_SQL = f"""
SELECT ci.id, c.unit_id, ci.kind, ci.normal_value_ct, op.handle, op.fingerprint_key_id,
       ci.case_id, ci.fingerprint
FROM {CaseIdentifier._meta.db_table} ci
JOIN {Case._meta.db_table} c ON c.id = ci.case_id
JOIN cooperation_sharingunit su ON su.unit_id = c.unit_id AND su.active
LEFT JOIN cooperation_outgoingpointer op ON op.identifier_id = ci.id
WHERE c.status <> 'closed' {{missing}}
ORDER BY ci.id
"""


def _case_identifiers_for_export(*, missing_under: str | None = None) -> Iterator[tuple]:
    """Every identifier that may be shared (open cases of opted-in units), with the handle and
    key id our last export gave it, as ``ExportRow``'s fields in order (plain tuples: ten
    million of them). The rule lives here and in docs/cooperation.md. ``missing_under``: only
    those without a fingerprint under that group key id."""
    missing = ""
    params: list = []
    if missing_under is not None:
        missing = "AND (op.identifier_id IS NULL OR op.fingerprint_key_id <> %s)"
        params = [missing_under]
    with connection.cursor() as cursor:
        # Every row is read, so plan for all of them, not PostgreSQL's default first tenth: the
        # fast-start plan re-reads the outgoing pointers for each identifier, and the export
        # writes into that table as it goes (quadratic; over 25 minutes at 10M identifiers).
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor.execute(
            "DECLARE coop_export NO SCROLL CURSOR FOR " + _EXPORT_SQL.format(missing=missing),
            params,
        )
        while True:
            cursor.execute(f"FETCH {STREAM_BATCH} FROM coop_export")
            rows = cursor.fetchall()
            if not rows:
                break
            yield from _with_normal_values(rows)
        cursor.execute("CLOSE coop_export")


def _with_normal_values(rows: list[tuple]) -> Iterator[tuple]:
    """``ExportRow``s from a batch of the export query: each identifier's normal value
    decrypted under its case's data key (one query for the batch's keys). An identifier whose
    key was destroyed (a disposed case), or whose ciphertext does not open, is left out."""
    columns = CaseIdentifier.privacy_columns()
    ciphers = ciphers_for(CaseIdentifier.privacy_scope, {row[6] for row in rows})
    for identifier_id, unit_id, kind, normal_ct, handle, key_id, case_id, row_fp in rows:
        aead = ciphers.get(case_id)
        if aead is None:
            continue
        normal = decrypt(
            aead,
            bytes(normal_ct),
            associated_data(columns.table, columns.normal, f"case:{case_id}", bytes(row_fp)),
        )
        if normal != UNREADABLE:
            yield identifier_id, unit_id, kind, normal, handle, key_id


def _identifier_normal_value(identifier: CaseIdentifier) -> str:
    """The normal value of one identifier, decrypted under its case's data key."""
    return identifier.normal_value


def _copy_rows(table: str, columns: str, rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _upsert_outgoing(rows: list[tuple], key_id: str) -> None:
    """Store ``(identifier_id, handle, fingerprint)`` rows as our outgoing pointers: COPY into a
    temporary table, then one set-based upsert (ten million rows at national scale)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS coop_new_pointer (identifier_id bigint, handle uuid, "
            "fingerprint bytea) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE coop_new_pointer")
    _copy_rows("coop_new_pointer", "identifier_id, handle, fingerprint", rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cooperation_outgoingpointer (identifier_id, handle, fingerprint, "
            "fingerprint_key_id) SELECT identifier_id, handle, fingerprint, %s FROM "
            "coop_new_pointer ON CONFLICT (identifier_id) DO UPDATE SET fingerprint = "
            "EXCLUDED.fingerprint, fingerprint_key_id = EXCLUDED.fingerprint_key_id",
            [key_id],
        )


def _require_exporter(actor) -> None:
    # ``None`` is the system: an operator at the server's command line.
    if actor is not None and not (
        actor.has_role("administrator", "supervisor") or actor.is_superuser
    ):
        raise DomainError(
            "Only a supervisor or an administrator exports our pointer set.", status=403
        )


@transaction.atomic
def pointers_export(
    *, actor, out: BinaryIO, channel: str = ExchangeChannel.FILE
) -> PointerExchange:
    """Write our signed pointer set to ``out`` and remember each identifier's handle.

    Handles are kept from one export to the next; identifiers that stopped being shareable lose
    theirs. The file is written in two steps (pointers to a spool, then header, contacts, spool)
    because the header states the count before the pointers."""
    if channel == ExchangeChannel.FILE:
        _require_exporter(actor)
    key = conf.signing_key()
    group = conf.current_group_key()
    now = timezone.now()
    units = {
        unit.unit_id: unit
        for unit in SharingUnit.objects.filter(active=True).select_related("unit")
    }
    refs = {unit_id: f"c{index}".encode() for index, unit_id in enumerate(sorted(units), start=1)}
    with connection.cursor() as cursor:
        # One export at a time: new handles are copied straight in, without an upsert.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('cooperation.pointers_export'))")
    count = 0
    new: list[tuple] = []
    rekeyed: list[tuple] = []
    lines: list[bytes] = []
    secret, key_id = group.secret, group.key_id
    with tempfile.TemporaryFile() as spool:
        # Ten million rows: the loop is kept to what each row needs (one HMAC, one line).
        for (
            identifier_id,
            unit_id,
            kind,
            normal_value,
            handle,
            row_key_id,
        ) in _case_identifiers_for_export():
            fp = hmac.digest(secret, f"{kind}\x00{normal_value}".encode(), "sha256")
            if handle is None:
                handle = uuid.UUID(bytes=os.urandom(16))
                new.append((identifier_id, handle, fp, key_id))
            elif row_key_id != key_id:
                rekeyed.append((identifier_id, handle, fp))
            lines.append(
                b'{"c":"%s","f":"%s","h":"%s"}\n'
                % (refs[unit_id], fp.hex().encode(), handle.hex.encode())
            )
            count += 1
            if len(lines) >= STREAM_BATCH:
                spool.write(b"".join(lines))
                lines = []
                # The cursor reads a snapshot: rows stored now do not come back to it.
                _copy_rows(
                    "cooperation_outgoingpointer",
                    "identifier_id, handle, fingerprint, fingerprint_key_id",
                    new,
                )
                _upsert_outgoing(rekeyed, key_id)
                new, rekeyed = [], []
        spool.write(b"".join(lines))
        _copy_rows(
            "cooperation_outgoingpointer",
            "identifier_id, handle, fingerprint, fingerprint_key_id",
            new,
        )
        _upsert_outgoing(rekeyed, key_id)
        with connection.cursor() as cursor:
            # Identifiers no longer shareable (case closed, unit opted out) lose their pointer.
            cursor.execute(
                f"DELETE FROM cooperation_outgoingpointer op WHERE NOT EXISTS ("
                f"SELECT 1 FROM {CaseIdentifier._meta.db_table} ci "
                f"JOIN {Case._meta.db_table} c ON c.id = ci.case_id "
                "JOIN cooperation_sharingunit su ON su.unit_id = c.unit_id AND su.active "
                "WHERE ci.id = op.identifier_id AND c.status <> 'closed')"
            )
        spool.seek(0)
        out_writer = fmt.SetWriter(out, key)
        out_writer.header(
            fmt.Header(
                issuer=conf.issuer(),
                key_id=conf.signing_key_id(key),
                fingerprint_key_id=group.key_id,
                created=now,
                contacts=len(units),
                count=count,
            )
        )
        for unit_id, ref in refs.items():
            unit = units[unit_id]
            out_writer.contact(
                fmt.Contact(
                    ref=ref.decode(),
                    agency=conf.agency_name(),
                    unit=unit.unit.name,
                    name=unit.contact_name,
                    email=unit.contact_email,
                    phone=unit.contact_phone,
                )
            )
        while chunk := spool.read(1024 * 1024):
            out_writer.line(chunk)
        digest = out_writer.finish()
    exchange = PointerExchange.objects.create(
        direction=Direction.SENT,
        channel=channel,
        actor=actor,
        pointer_count=count,
        contact_count=len(units),
        signing_key_id=conf.signing_key_id(key),
        fingerprint_key_id=group.key_id,
        digest=digest,
        set_created_at=now,
    )
    audit_record(
        actor=actor,
        action="pointers.export",
        target=exchange,
        details={
            "channel": channel,
            "count": count,
            "contacts": len(units),
            "digest": digest,
            "fingerprint_key_id": group.key_id,
        },
    )
    return exchange


# -- Import -----------------------------------------------------------------------------------


def _trusted_key(
    header: fmt.Header, *, expected: PartnerInstallation | None
) -> tuple[PartnerKey, Ed25519PublicKey]:
    key = (
        PartnerKey.objects.select_related("installation__agency")
        .filter(key_id=header.key_id)
        .first()
    )
    if key is None:
        raise fmt.PointerSetError(
            1,
            "key_id",
            "No partner key with this id is registered here: the set is refused.",
            status=403,
        )
    if key.is_revoked or key.installation.is_revoked:
        raise fmt.PointerSetError(
            1, "key_id", "This partner key is revoked: the set is refused.", status=403
        )
    if key.installation.issuer != header.issuer:
        raise fmt.PointerSetError(
            1, "issuer", "The issuer is not the one this key is registered for.", status=403
        )
    if expected is not None and key.installation_id != expected.pk:
        raise fmt.PointerSetError(
            1, "key_id", "This set is signed by another partner's key.", status=403
        )
    if conf.group_key(header.fingerprint_key_id) is None:
        raise fmt.PointerSetError(
            1,
            "fingerprint_key_id",
            "We do not hold this pointer-sharing key: ask the group coordinator for it.",
            status=422,
        )
    _, public_key = parse_public_key(key.public_key)
    return key, public_key


@transaction.atomic
def pointers_import(
    *,
    actor,
    source: BinaryIO,
    channel: str = ExchangeChannel.FILE,
    installation: PartnerInstallation | None = None,
) -> PointerExchange:
    """Verify a partner's set, replace their previous set with it, and match it against ours.

    Refused whole (``PointerSetError`` with the line at fault, nothing stored) unless signed by
    a registered, non-revoked key of the partner it names and intact. ``installation`` is the
    partner the API caller is (a pushed set must be its own)."""
    if channel == ExchangeChannel.FILE:
        _require_exporter(actor)
    found: dict = {}

    def key_for(header: fmt.Header) -> Ed25519PublicKey:
        found["key"], public_key = _trusted_key(header, expected=installation)
        return public_key

    header, digest = fmt.verify(source, key_for)
    partner_key: PartnerKey = found["key"]
    partner = PartnerInstallation.objects.select_for_update().get(pk=partner_key.installation_id)
    if partner.is_revoked:  # revoked between the check and the lock
        raise fmt.PointerSetError(
            1, "key_id", "This partner is revoked: the set is refused.", status=403
        )
    exchange = PointerExchange.objects.create(
        direction=Direction.RECEIVED,
        channel=channel,
        installation=partner,
        actor=actor,
        pointer_count=header.count,
        contact_count=header.contacts,
        signing_key_id=header.key_id,
        fingerprint_key_id=header.fingerprint_key_id,
        digest=digest,
        set_created_at=header.created,
    )
    # The previous set goes first (its contacts cascade to its pointers), then the new one is
    # copied in: one transaction, so matching never sees half a set.
    previous = list(
        PartnerContact.objects.filter(installation=partner).values_list("pk", flat=True)
    )
    if previous:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM cooperation_partnerpointer WHERE contact_id = ANY(%s)", [previous]
            )
        PartnerContact.objects.filter(pk__in=previous).delete()
    source.seek(0)
    contact_ids: dict[str, int] = {}
    items = fmt.read(source, header)
    first_pointer = None
    for item in items:
        if not isinstance(item, fmt.Contact):
            first_pointer = item
            break
        contact_ids[item.ref] = PartnerContact.objects.create(
            installation=partner,
            exchange=exchange,
            ref=item.ref,
            agency=item.agency,
            unit=item.unit,
            name=item.name,
            email=item.email,
            phone=item.phone,
        ).pk
    if first_pointer is not None:
        # A fault further down raises inside the COPY: it is abandoned and the transaction,
        # the deletion of the previous set included, rolls back.
        # COPY's text form written directly (uuid as 32 hex digits, bytea as \\x and hex): ten
        # million rows, and every field was checked by ``read``.
        contact_texts = {ref: str(pk).encode() for ref, pk in contact_ids.items()}
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY cooperation_partnerpointer (contact_id, handle, fingerprint) FROM STDIN"
            ) as copy,
        ):
            rows: list[bytes] = []
            for fp_hex, handle_hex, ref in itertools.chain([first_pointer], items):
                rows.append(b"%s\t%s\t\\\\x%s\n" % (contact_texts[ref], handle_hex, fp_hex))
                if len(rows) >= STREAM_BATCH:
                    copy.write(b"".join(rows))
                    rows = []
            copy.write(b"".join(rows))
        # Statistics for the set just copied in: without them the planner takes the new table
        # for empty and answers a lookup by fingerprint by scanning the contact's whole set
        # (a second per lookup at ten million pointers).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cooperation_partnerpointer")
    hits = _match_partner_set(actor=actor, exchange=exchange)
    exchange.hits = hits
    exchange.save(update_fields=["hits", "updated_at"])
    audit_record(
        actor=actor,
        action="pointers.import",
        target=exchange,
        details={
            "channel": channel,
            "issuer": partner.issuer,
            "key_id": header.key_id,
            "count": header.count,
            "contacts": header.contacts,
            "digest": digest,
            "hits": hits,
        },
    )
    return exchange


# -- Matching ---------------------------------------------------------------------------------


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
    new_cases = {row[1] for row in rows}
    cases = Case.objects.filter(pk__in=new_cases).select_related("lead")
    per_case: dict[int, list[tuple]] = {}
    for row in rows:
        per_case.setdefault(row[1], []).append(row)
    for case in cases:
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
    return len(created)


_MATCH_SET_SQL = """
SELECT op.identifier_id, ci.case_id, pp.handle, pc.agency, pc.unit, pc.name, pc.email, pc.phone
FROM cooperation_partnerpointer pp
JOIN cooperation_partnercontact pc ON pc.id = pp.contact_id
JOIN cooperation_outgoingpointer op ON op.fingerprint = pp.fingerprint
JOIN {identifiers} ci ON ci.id = op.identifier_id
WHERE pc.exchange_id = %s AND op.fingerprint_key_id = %s
"""


def _match_partner_set(*, actor, exchange: PointerExchange) -> int:
    """Match a newly imported set against our shareable identifiers' fingerprints.

    Our fingerprints come from ``OutgoingPointer`` (kept by each export and by each new
    identifier); identifiers not yet fingerprinted under the set's key are fingerprinted first."""
    _fingerprint_missing(exchange.fingerprint_key_id)
    with connection.cursor() as cursor:
        cursor.execute(
            _MATCH_SET_SQL.format(identifiers=CaseIdentifier._meta.db_table),
            [exchange.pk, exchange.fingerprint_key_id],
        )
        rows = cursor.fetchall()
    return _record_hits(
        actor=actor, rows=rows, installation=exchange.installation, trigger="import"
    )


def _fingerprint_missing(key_id: str) -> None:
    group = conf.group_key(key_id)
    if group is None:
        return
    fresh: list[tuple] = []
    for row in map(ExportRow._make, _case_identifiers_for_export(missing_under=key_id)):
        fp = fingerprint(group.secret, row.kind, row.normal_value)
        fresh.append((row.identifier_id, row.handle or uuid.uuid4(), fp))
        if len(fresh) >= STREAM_BATCH:
            _upsert_outgoing(fresh, key_id)
            fresh = []
    _upsert_outgoing(fresh, key_id)


def partner_pointers_for(kind: str, normal_value: str) -> list[tuple]:
    """Partner pointers whose fingerprint is this value's under any group key we hold: one
    index lookup per key (usually one). Rows: ``(installation_id, handle, agency, unit, name,
    email, phone)``."""
    fingerprints = [fingerprint(key.secret, kind, normal_value) for key in conf.group_keys()]
    # The pointers are found by fingerprint first, whatever the planner believes about the
    # table: joined to the contacts directly, a stale estimate (a set copied in since the last
    # ANALYZE) made it read every pointer of the contact instead.
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH hit AS MATERIALIZED (SELECT contact_id, handle FROM cooperation_partnerpointer"
            " WHERE fingerprint = ANY(%s)) SELECT pc.installation_id, hit.handle, pc.agency,"
            " pc.unit, pc.name, pc.email, pc.phone FROM hit"
            " JOIN cooperation_partnercontact pc ON pc.id = hit.contact_id",
            [fingerprints],
        )
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
    found = partner_pointers_for(identifier.kind, _identifier_normal_value(identifier))
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


# -- Confirmation -----------------------------------------------------------------------------


@transaction.atomic
def pointer_hit_confirm(*, actor, case_number: str, hit_id: int) -> PointerHit:
    """Our side confirms a hit after speaking to the partner: recorded, audited, and sent to the
    partner's installation (when it has an API address) so it is recorded there too."""
    require_person(actor, "confirm a deconfliction hit")
    hit = (
        PointerHit.objects.select_for_update(of=("self",))
        .select_related("case", "installation")
        .filter(pk=hit_id, case__number=case_number)
        .filter(case__in=Case.objects.filter(case_visibility_q(actor)))
        .first()
    )
    if hit is None:
        raise NotFound("No such hit on a case you can see.")
    case = hit.case
    if not (
        case.lead_id == actor.pk
        or actor.has_role("supervisor")
        or case.assignments.filter(user=actor).exists()
    ):
        raise DomainError(
            "Only the case's lead, an assignee or a supervisor confirms a hit.", status=403
        )
    if hit.confirmed_at is not None:
        return hit
    hit.confirmed_at, hit.confirmed_by, hit.state = timezone.now(), actor, HitState.CONFIRMED
    hit.save(update_fields=["confirmed_at", "confirmed_by", "state", "updated_at"])
    audit_record(
        actor=actor,
        action="pointers.hit_confirm",
        target=hit,
        case_id=case.pk,
        details={"issuer": hit.installation.issuer, "side": "ours"},
    )
    if hit.installation.url:
        from .tasks import send_confirmation

        transaction.on_commit(lambda: send_confirmation.delay(hit.pk))
    return hit


def confirmation_message(hit: PointerHit) -> bytes:
    """What we send the partner: their handle, our handle for the identifier, signed."""
    key = conf.signing_key()
    ours = (
        OutgoingPointer.objects.filter(identifier_id=hit.identifier_id)
        .values_list("handle", flat=True)
        .first()
    )
    body = {
        "confirmed": fmt.timestamp(hit.confirmed_at or timezone.now()),
        "handle": hit.partner_handle.hex,
        "issuer": conf.issuer(),
        "key_id": conf.signing_key_id(key),
        "their_handle": ours.hex if ours else "",
    }
    payload = fmt.canonical(body)
    signature = key.sign(fmt.SIGNED_PREFIX + hashlib.sha256(payload).hexdigest().encode())
    return fmt.canonical({"confirmation": body, "signature": base64.b64encode(signature).decode()})


@transaction.atomic
def pointer_confirmation_receive(
    *, actor, installation: PartnerInstallation, message: bytes
) -> PointerHit | None:
    """A partner confirms, over the API, a hit on one of *our* handles: recorded on our side.

    The hit we hold for the same pair (if we imported their set and matched it) is marked
    confirmed by the partner; otherwise a hit is recorded from their current set's pointer."""
    try:
        envelope = json.loads(message.decode("utf-8"))
        body = envelope["confirmation"]
        signature = base64.b64decode(envelope["signature"], validate=True)
        handle = uuid.UUID(hex=str(body["handle"]))
        their_handle = (
            uuid.UUID(hex=str(body["their_handle"])) if body.get("their_handle") else None
        )
        key_id = str(body["key_id"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error):
        raise DomainError(
            "Send a confirmation as Casework writes it (docs/cooperation.md).", field="confirmation"
        ) from None
    key = PartnerKey.objects.filter(
        key_id=key_id, installation=installation, revoked_at__isnull=True
    ).first()
    if key is None or installation.is_revoked:
        raise DomainError(
            "This confirmation is not signed by a key of yours that we trust.",
            field="signature",
            status=403,
        )
    _, public_key = parse_public_key(key.public_key)
    try:
        public_key.verify(
            signature, fmt.SIGNED_PREFIX + hashlib.sha256(fmt.canonical(body)).hexdigest().encode()
        )
    except InvalidSignature:
        raise DomainError(
            "The confirmation's signature does not verify.", field="signature", status=403
        ) from None
    ours = OutgoingPointer.objects.select_related("identifier__case").filter(handle=handle).first()
    if ours is None:
        raise NotFound("We sent no pointer with this handle.")
    identifier = ours.identifier
    hits = PointerHit.objects.select_for_update().filter(
        identifier=identifier, installation=installation
    )
    if their_handle is not None:
        hits = hits.filter(partner_handle=their_handle)
    hit = hits.first()
    if hit is None:
        raise NotFound("We hold no hit for this pointer: import our partner's current set first.")
    now = timezone.now()
    hit.partner_confirmed_at = now
    hit.save(update_fields=["partner_confirmed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="pointers.hit_confirm",
        target=hit,
        case_id=identifier.case_id,
        details={"issuer": installation.issuer, "side": "partner"},
    )
    return hit


# -- Units that share -------------------------------------------------------------------------


@transaction.atomic
def sharing_unit_update(
    *,
    actor,
    unit,
    active: bool,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> SharingUnit:
    """Opt a unit in (with the point of contact partners are given) or out of pointer sharing.

    An administrator's act, audited. The next set we send follows the change."""
    require_person(actor, "change which units share pointers")
    if not (actor.has_role("administrator") or actor.is_superuser):
        raise DomainError("Only an administrator decides which units share pointers.", status=403)
    fields = {"contact_name": 200, "contact_email": 254, "contact_phone": 40}
    values = {
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    errors = []
    for field, limit in fields.items():
        values[field] = (values[field] or "").strip()
        problem = text_problem(values[field], max_length=limit)
        if problem:
            errors.append(FieldError(field, problem))
    if active and not values["contact_name"]:
        errors.append(FieldError("contact_name", "Name the point of contact partners will call."))
    if errors:
        raise DomainError(errors=errors)
    sharing = SharingUnit.objects.select_for_update().filter(unit=unit).first()
    before = (
        {"active": sharing.active, **{f: getattr(sharing, f) for f in fields}} if sharing else {}
    )
    if sharing is None:
        if not active:
            raise DomainError(f"{unit} does not share pointers.", field="active")
        sharing = SharingUnit(unit=unit)
    sharing.active = active
    for field, value in values.items():
        if value or active:
            setattr(sharing, field, value)
    sharing.save()
    after = {"active": sharing.active, **{f: getattr(sharing, f) for f in fields}}
    audit_record(
        actor=actor,
        action="sharing_unit.update",
        target=sharing,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return sharing

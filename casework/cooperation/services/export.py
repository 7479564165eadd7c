"""Exporting our signed pointer set: one HMAC and one line per shareable identifier.

Every export is audited (``pointers.export``) with counts, key ids and the digest, never a
value or a fingerprint of a single identifier.
"""

from __future__ import annotations

import hmac
import os
import tempfile
import uuid
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from casework.audit.services import audit_record
from casework.core.errors import DomainError

from .. import conf
from .. import pointer_format as fmt
from ..choices import Direction, ExchangeChannel
from ..models import PointerExchange, SharingUnit
from .pointers import (
    STREAM_BATCH,
    case_identifiers_for_export,
    outgoing_copy,
    outgoing_forget_unshareable,
    outgoing_upsert,
)


def require_exporter(actor) -> None:
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
        require_exporter(actor)
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
    with tempfile.TemporaryFile() as spool:
        count = _spool_pointers(spool, refs=refs, group=group)
        outgoing_forget_unshareable()
        spool.seek(0)
        header = fmt.Header(
            issuer=conf.issuer(),
            key_id=conf.signing_key_id(key),
            fingerprint_key_id=group.key_id,
            created=now,
            contacts=len(units),
            count=count,
        )
        digest = _write_set(out, key=key, header=header, units=units, refs=refs, spool=spool)
    exchange = PointerExchange.objects.create(
        direction=Direction.SENT,
        channel=channel,
        actor=actor,
        pointer_count=count,
        contact_count=len(units),
        signing_key_id=header.key_id,
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


def _spool_pointers(spool: BinaryIO, *, refs: dict[int, bytes], group) -> int:
    """Write a pointer line per shareable identifier to ``spool`` and store new handles and new
    fingerprints as it goes; the number of pointers written."""
    count = 0
    new: list[tuple] = []
    rekeyed: list[tuple] = []
    lines: list[bytes] = []
    secret, key_id = group.secret, group.key_id
    # Ten million rows: the loop is kept to what each row needs (one HMAC, one line).
    for (
        identifier_id,
        unit_id,
        kind,
        normal_value,
        handle,
        row_key_id,
    ) in case_identifiers_for_export():
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
            outgoing_copy(new)
            outgoing_upsert(rekeyed, key_id)
            new, rekeyed = [], []
    spool.write(b"".join(lines))
    outgoing_copy(new)
    outgoing_upsert(rekeyed, key_id)
    return count


def _write_set(
    out: BinaryIO, *, key, header: fmt.Header, units: dict, refs: dict[int, bytes], spool
) -> str:
    """The signed set: header, one contact per sharing unit, then the spooled pointers; its
    digest."""
    out_writer = fmt.SetWriter(out, key)
    out_writer.header(header)
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
    return out_writer.finish()

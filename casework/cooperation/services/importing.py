"""Importing a partner's pointer set: verified whole, then it replaces their previous set and is
matched against ours (``pointers.import``, audited with counts, key id and digest)."""

from __future__ import annotations

import itertools
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction

from casework.audit.services import audit_record
from casework.partners.key_models import PartnerInstallation, PartnerKey
from casework.partners.key_services import parse_public_key

from .. import conf
from .. import pointer_format as fmt
from ..choices import Direction, ExchangeChannel
from ..models import PartnerContact, PartnerPointer, PointerExchange
from .export import require_exporter
from .matching import match_partner_set
from .pointers import STREAM_BATCH, table


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
        require_exporter(actor)
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
    _previous_set_drop(partner)
    source.seek(0)
    _set_store(fmt.read(source, header), partner=partner, exchange=exchange)
    hits = match_partner_set(actor=actor, exchange=exchange)
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


def _previous_set_drop(partner: PartnerInstallation) -> None:
    """The partner's previous set goes first (its contacts cascade to its pointers), then the new
    one is copied in: one transaction, so matching never sees half a set."""
    previous = list(
        PartnerContact.objects.filter(installation=partner).values_list("pk", flat=True)
    )
    if previous:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table(PartnerPointer)} WHERE contact_id = ANY(%s)", [previous]
            )
        PartnerContact.objects.filter(pk__in=previous).delete()


def _set_store(items, *, partner: PartnerInstallation, exchange: PointerExchange) -> None:
    """The set's contacts (a row each), then its pointers (COPY)."""
    contact_ids: dict[str, int] = {}
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
        _pointers_copy(itertools.chain([first_pointer], items), contact_ids=contact_ids)


def _pointers_copy(pointers, *, contact_ids: dict[str, int]) -> None:
    # A fault further down raises inside the COPY: it is abandoned and the transaction, the
    # deletion of the previous set included, rolls back.
    # COPY's text form written directly (uuid as 32 hex digits, bytea as \\x and hex): ten
    # million rows, and every field was checked by ``read``.
    contact_texts = {ref: str(pk).encode() for ref, pk in contact_ids.items()}
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {table(PartnerPointer)} (contact_id, handle, fingerprint) FROM STDIN"
        ) as copy,
    ):
        rows: list[bytes] = []
        for fp_hex, handle_hex, ref in pointers:
            rows.append(b"%s\t%s\t\\\\x%s\n" % (contact_texts[ref], handle_hex, fp_hex))
            if len(rows) >= STREAM_BATCH:
                copy.write(b"".join(rows))
                rows = []
        copy.write(b"".join(rows))
    # Statistics for the set just copied in, before anything matches against it: without them
    # the planner takes the table for empty and plans lookups by fingerprint badly.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(PartnerPointer)}")

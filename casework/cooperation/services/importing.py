"""Importing a partner's pointer set: verified whole, then it replaces their previous set and is
matched against ours (``pointers.import``, audited with counts, key id and digest).

How a set is stored (docs/cooperation.md, "How a partner's set is stored"): the pointer table is
partitioned by partner, one partition holding each partner's current set. An import copies the
new set into a table of its own with no index, builds the fingerprint index and the key once the
rows are in (a sorted build, not ten million random insertions into two B-trees), analyses it,
matches it against ours, and only then swaps it in for the partner's previous set: the previous
partition is dropped (not deleted row by row) and the new table attached. Lookups by other
sessions keep using the previous set during the whole import; only the swap, at the end of the
transaction, locks the pointer table, briefly. A failure anywhere rolls everything back, the new
table included, and leaves the previous set as it was.
"""

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

# Sort memory for building a set's two indexes, for those statements only: ten million keys sort
# in memory instead of in temporary files. An import runs rarely and alone per partner.
INDEX_BUILD_MEMORY = "1GB"


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
    # FOR NO KEY UPDATE: imports of one partner, and its revocation, wait for each other; a
    # session recording a hit against this partner (a foreign key to it) does not wait.
    partner = PartnerInstallation.objects.select_for_update(no_key=True).get(
        pk=partner_key.installation_id
    )
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
    source.seek(0)
    new_set = _set_build(fmt.read(source, header), partner=partner, exchange=exchange)
    # Matched before the swap, in the table just built: the pointer table is not touched (nor
    # locked) until the set is complete, indexed and matched.
    hits = match_partner_set(actor=actor, exchange=exchange, pointers_table=new_set)
    _set_swap(partner=partner, new_set=new_set, exchange=exchange)
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


def _partition_prefix(partner_id: int) -> str:
    return f"{PartnerPointer._meta.db_table}_{partner_id}_"


def partner_set_partitions(partner_id: int) -> list[str]:
    """The partitions holding this partner's pointers (one, or none before its first set)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass AND starts_with(c.relname, %s)",
            [PartnerPointer._meta.db_table, _partition_prefix(partner_id)],
        )
        return [row[0] for row in cursor.fetchall()]


def partner_set_drop(partner: PartnerInstallation) -> None:
    """Forget a partner's current set: its partition is dropped whole, then its contacts go."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name in partner_set_partitions(partner.pk):
            cursor.execute(f"DROP TABLE {quote(name)}")
    PartnerContact.objects.filter(installation=partner).delete()


def _set_build(items, *, partner: PartnerInstallation, exchange: PointerExchange) -> str:
    """The set's contacts (a row each), then its pointers copied into a new table of their own,
    indexed and analysed; returns the table's name. Nothing else sees the table until
    ``_set_swap`` attaches it."""
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
    name = f"{_partition_prefix(partner.pk)}{exchange.pk}"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # The parent's columns, written out rather than ``LIKE``, which would lock the parent
        # for the whole import. The check lets ATTACH skip scanning the rows for the partition
        # constraint; the default fills the partner's id without sending it ten million times.
        cursor.execute(
            f"CREATE TABLE {quote(name)} (handle uuid NOT NULL, fingerprint bytea NOT NULL, "
            f"contact_id bigint NOT NULL, installation_id bigint NOT NULL "
            f"DEFAULT {partner.pk:d} CHECK (installation_id = {partner.pk:d}))"
        )
    if first_pointer is not None:
        _pointers_copy(itertools.chain([first_pointer], items), name, contact_ids=contact_ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('maintenance_work_mem')")
        (memory,) = cursor.fetchone()
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [INDEX_BUILD_MEMORY])
        # The parent's partitioned index (``partner_pointer_fp_idx``) adopts this one on ATTACH.
        cursor.execute(f"CREATE INDEX {quote(name + '_fp')} ON {quote(name)} (fingerprint)")
        # A handle twice for one contact fails here (IntegrityError), as it failed the COPY
        # into the indexed table before: the set is refused whole.
        cursor.execute(
            f"ALTER TABLE {quote(name)} ADD CONSTRAINT {quote(name + '_pk')} "
            "PRIMARY KEY (contact_id, handle)"
        )
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [memory])
        # Statistics before anything matches against the set: without them the planner takes
        # the table for empty and plans lookups by fingerprint badly.
        cursor.execute(f"ANALYZE {quote(name)}")
    return name


def _pointers_copy(pointers, table_name: str, *, contact_ids: dict[str, int]) -> None:
    # A fault further down raises inside the COPY: it is abandoned and the transaction, the
    # new table included, rolls back; the previous set was never touched.
    # COPY's text form written directly (uuid as 32 hex digits, bytea as \\x and hex): ten
    # million rows, and every field was checked by ``read``. FREEZE: the table was created in
    # this transaction, so its rows are written visible to all, as a committed set will be
    # (no hint bits to set, no later vacuum to freeze them).
    contact_texts = {ref: str(pk).encode() for ref, pk in contact_ids.items()}
    quote = connection.ops.quote_name
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {quote(table_name)} (contact_id, handle, fingerprint) FROM STDIN (FREEZE)"
        ) as copy,
    ):
        rows: list[bytes] = []
        for fp_hex, handle_hex, ref in pointers:
            rows.append(b"%s\t%s\t\\\\x%s\n" % (contact_texts[ref], handle_hex, fp_hex))
            if len(rows) >= STREAM_BATCH:
                copy.write(b"".join(rows))
                rows = []
        copy.write(b"".join(rows))


def _set_swap(*, partner: PartnerInstallation, new_set: str, exchange: PointerExchange) -> None:
    """The new set takes the previous one's place: the previous partition is dropped and the
    new table attached (the check constraint proves the partition bound, so nothing is
    scanned), then the previous set's contacts go. Dropping a partition locks the pointer
    table until commit, which follows at once."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name in partner_set_partitions(partner.pk):
            cursor.execute(f"DROP TABLE {quote(name)}")
        cursor.execute(
            f"ALTER TABLE {table(PartnerPointer)} ATTACH PARTITION {quote(new_set)} "
            f"FOR VALUES IN ({partner.pk:d})"
        )
    PartnerContact.objects.filter(installation=partner).exclude(exchange=exchange).delete()

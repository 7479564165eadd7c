"""How a partner's set is stored: built beside the previous one and swapped in whole, so a
failed import leaves the previous set matchable and a replacement replaces it
(docs/cooperation.md, "How a partner's set is stored")."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casework.cooperation import conf, services
from casework.cooperation import pointer_format as fmt
from casework.cooperation.models import PartnerContact, PartnerPointer, PointerExchange
from casework.cooperation.pointer_format import PointerSetError
from casework.cooperation.services.importing import partner_set_partitions
from tests.cooperation.conftest import GROUP_SECRET

pytestmark = pytest.mark.django_db


def import_(actor, data: bytes):
    return services.pointers_import(actor=actor, source=io.BytesIO(data))


def handles_for(value: str) -> set:
    return {row[1] for row in services.partner_pointers_for("email", value)}


def signed_set_with_a_bad_line_near_the_end(partner, count: int) -> bytes:
    """A set the partner signed whose second-to-last pointer names a contact it does not list:
    the signature verifies, the line is refused while the pointers are being copied in."""
    out = io.BytesIO()
    writer = fmt.SetWriter(out, partner.key)
    writer.header(
        fmt.Header(
            issuer=partner.issuer,
            key_id=conf.signing_key_id(partner.key),
            fingerprint_key_id="group-1",
            created=datetime(2026, 3, 2, tzinfo=UTC),
            contacts=1,
            count=count,
        )
    )
    writer.contact(fmt.Contact("c1", "Synthetic Police Partner", "Partner Unit", "Duty", "", ""))
    for n in range(count):
        fingerprint = services.fingerprint(GROUP_SECRET, "email", f"new{n}@example.com")
        writer.pointer(fingerprint, uuid.uuid4(), "c9" if n == count - 2 else "c1")
    writer.finish()
    return out.getvalue()


def test_a_failed_import_leaves_the_partners_previous_set_matchable(supervisor, partner):
    handle = uuid.uuid4()
    first = import_(
        supervisor,
        partner.set_bytes(
            [("email", "kept@example.com"), ("email", "also@example.com")],
            handles=[handle, uuid.uuid4()],
        ),
    )
    partitions = partner_set_partitions(partner.installation.pk)
    with pytest.raises(PointerSetError) as error:
        import_(supervisor, signed_set_with_a_bad_line_near_the_end(partner, 50))
    assert error.value.field_name == "c" and error.value.line == 1 + 1 + 49
    assert handles_for("kept@example.com") == {handle}
    assert not handles_for("new0@example.com")
    assert PartnerPointer.objects.count() == 2
    assert partner_set_partitions(partner.installation.pk) == partitions
    assert set(PartnerContact.objects.values_list("exchange", flat=True)) == {first.pk}
    assert PointerExchange.objects.filter(direction="received").get() == first


def test_a_replacement_replaces_the_previous_set_whole(supervisor, partner):
    import_(supervisor, partner.set_bytes([("email", "old@example.com"), ("email", "both@x.org")]))
    (before,) = partner_set_partitions(partner.installation.pk)
    second = import_(
        supervisor, partner.set_bytes([("email", "both@x.org"), ("email", "new@example.com")])
    )
    assert not handles_for("old@example.com")
    assert handles_for("both@x.org") and handles_for("new@example.com")
    assert PartnerPointer.objects.count() == 2
    (after,) = partner_set_partitions(partner.installation.pk)
    assert after != before  # a new partition; the previous one was dropped, not emptied
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [before])
        assert cursor.fetchone() == (None,)
    assert set(PartnerContact.objects.values_list("exchange", flat=True)) == {second.pk}
    assert set(PartnerPointer.objects.values_list("installation", flat=True)) == {
        partner.installation.pk
    }


def test_each_partners_set_is_its_own_partition(supervisor, partner, administrator):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.partners import key_services
    from casework.partners.models import Agency
    from tests.cooperation.conftest import Partner

    key = Ed25519PrivateKey.generate()
    agency = Agency.objects.create(name="Synthetic Police Other", country="FR", kind="police")
    key_services.partner_installation_register(
        actor=administrator,
        agency=agency,
        issuer="other.casework.invalid",
        public_key=conf.public_key_base64(key),
    )
    other = Partner(key=key, installation=agency.installation, issuer="other.casework.invalid")
    import_(supervisor, partner.set_bytes([("email", "shared@example.com")]))
    import_(supervisor, other.set_bytes([("email", "shared@example.com")]))
    import_(supervisor, partner.set_bytes([("email", "later@example.com")]))
    found = services.partner_pointers_for("email", "shared@example.com")
    assert [row[0] for row in found] == [other.installation.pk]  # the other's set stands
    assert len(partner_set_partitions(partner.installation.pk)) == 1
    assert len(partner_set_partitions(other.installation.pk)) == 1


def test_the_migration_is_reversible_with_the_sets_in_it(supervisor, partner):
    handle = uuid.uuid4()
    import_(supervisor, partner.set_bytes([("email", "kept@example.com")], handles=[handle]))
    executor = MigrationExecutor(connection)
    executor.migrate([("cooperation", "0001_pointer_sets")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'cooperation_partnerpointer'")
        assert cursor.fetchone() == ("r",)
        cursor.execute("SELECT handle FROM cooperation_partnerpointer")
        assert cursor.fetchall() == [(handle,)]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("cooperation"))
    assert handles_for("kept@example.com") == {handle}
    assert len(partner_set_partitions(partner.installation.pk)) == 1
    import_(supervisor, partner.set_bytes([("email", "next@example.com")]))
    assert handles_for("next@example.com") and not handles_for("kept@example.com")

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.core.errors import DomainError
from casework.custody import services
from casework.custody.models import CustodyEvent, EvidenceHash, EvidenceItem
from tests.custody.factories import MD5_SAMPLE, SHA256_OF_NOTHING, make_item

pytestmark = pytest.mark.django_db


def test_it_records_a_seized_item_as_the_first_link_held_by_the_seizer(
    case, store, investigator, teammate
):
    item = make_item(case=case, store=store, actor=investigator, seized_by=teammate)
    assert item.current_holder == teammate
    first = item.events.get()
    assert (first.sequence, first.kind, first.received_by) == (1, "seized", teammate)
    assert item.last_event == first
    assert item.hashes.get().value == SHA256_OF_NOTHING
    assert AuditEvent.objects.filter(action="evidence_item.create", case_id=case.pk).exists()


def test_a_derived_image_points_at_the_root_exhibit(case, store):
    phone = make_item(case=case, store=store, exhibit_number="EXH-PHONE")
    image = make_item(case=case, store=store, kind="disk_image", root_item=phone)
    copy = make_item(case=case, store=store, kind="disk_image", root_item=image)
    assert image.root_exhibit_number == "EXH-PHONE"
    assert copy.root_item == phone


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"store_identifier": "dems-2026-1"},
            "store_identifier",
            "does not look like an identifier",
        ),
        ({"hashes": [("sha256", "abc")]}, "hashes.value", "64 hex digits; this one has 3"),
        ({"hashes": [("sha256", "z" * 64)]}, "hashes.value", "hexadecimal digits only"),
        ({"hashes": [("crc32", "abcd1234")]}, "hashes.algorithm", "Unknown hash algorithm"),
        ({"hashes": [("md5", SHA256_OF_NOTHING)]}, "hashes.value", "32 hex digits"),
        ({"seizure_authority": " "}, "seizure_authority", "authority"),
        ({"kind": "photo"}, "kind", "Unknown kind"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(case, store, changes, field, message):
    with pytest.raises(DomainError, match=message) as caught:
        make_item(case=case, store=store, **changes)
    assert caught.value.errors[0].field == field
    assert not EvidenceItem.objects.exists()
    assert not CustodyEvent.objects.exists()
    assert not EvidenceHash.objects.exists()


def test_it_refuses_a_duplicate_store_identifier(case, store, item):
    with pytest.raises(DomainError, match="already recorded"):
        make_item(case=case, store=store, store_identifier=item.store_identifier)
    assert EvidenceItem.objects.count() == 1


def test_hash_values_are_normalised_to_lower_case(case, store):
    item = make_item(case=case, store=store, hashes=[("SHA-256", SHA256_OF_NOTHING.upper())])
    assert item.hashes.get().value == SHA256_OF_NOTHING


def test_a_second_hash_of_another_algorithm_is_added_but_never_replaced(item, investigator):
    services.hash_record(actor=investigator, item=item, algorithm="md5", value=MD5_SAMPLE)
    with pytest.raises(DomainError, match="already recorded"):
        services.hash_record(actor=investigator, item=item, algorithm="md5", value="0" * 32)
    assert item.hashes.count() == 2


def test_the_database_refuses_a_hash_of_the_wrong_length(item, investigator):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceHash.objects.create(
            item=item,
            algorithm="sha1",
            value="ab" * 10,
            recorded_by=investigator,
            recorded_at=item.created_at,
        )


def test_an_outsider_cannot_record_evidence_on_the_case(case, store, outsider):
    with pytest.raises(DomainError, match="cannot record evidence"):
        make_item(case=case, store=store, actor=outsider, seized_by=outsider)

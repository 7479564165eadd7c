from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casework.audit.models import AuditEvent
from casework.core import events
from casework.core.errors import DomainError
from casework.referrals import services
from casework.referrals.models import DuplicateArrival, IncidentType, Referral
from tests.referrals.factories import make_referral, referral_data

pytestmark = pytest.mark.django_db


def test_it_ships_the_eight_common_incident_types():
    assert IncidentType.objects.filter(active=True).count() == 8


def test_it_records_a_referral_with_normalised_identifiers_and_a_triage_clock(investigator):
    data = referral_data(
        priority="P1",
        incident_type="online-enticement",
        escalation_requested="yes",
        source_priority="E",
        identifiers=[
            {"kind": "email", "value": " User_1@Example.INVALID "},
            {
                "kind": "ip_address",
                "value": "2001:DB8:0:0:0:0:0:1",
                "ip_event": "login",
                "observed_at": "2026-02-27T10:00:00+01:00",
                "port": "443",
            },
            {"kind": "phone", "value": "+44 7700 900123"},
            {"kind": "device_id", "value": "49-015420-323751-8", "device_kind": "imei"},
            {"kind": "screen_name", "value": "@Someone", "service": "Example-Chat"},
        ],
    )
    result = services.referral_receive(actor=investigator, unit=investigator.unit, data=data)
    referral = result.referral
    assert not result.duplicate
    assert referral.status == "new"
    assert referral.escalation_requested is True
    assert referral.incident_type.code == "online-enticement"
    assert referral.triage_due_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    normals = [(i.kind, i.normal) for i in referral.identifiers.all()]
    assert normals == [
        ("email", "user_1@example.invalid"),
        ("ip_address", "2001:db8::1"),
        ("phone", "+447700900123"),
        ("device_id", "490154203237518"),
        ("screen_name", "example-chat:someone"),
    ]
    ip = referral.identifiers.get(kind="ip_address")
    assert (ip.raw, ip.ip_event, ip.port) == ("2001:DB8:0:0:0:0:0:1", "login", 443)
    assert AuditEvent.objects.filter(action="referral.create", object_id=str(referral.pk)).exists()


def test_it_publishes_referral_received(investigator, published):
    seen = published(events.ReferralReceived)
    referral = make_referral(actor=investigator)
    assert seen == [events.ReferralReceived(referral=referral, actor=investigator)]


def test_a_second_arrival_is_linked_to_the_original_not_stored_twice(investigator, teammate):
    original = make_referral(actor=investigator, source_reference="ESP-1")
    again = services.referral_receive(
        actor=teammate, unit=teammate.unit, data=referral_data(source_reference="ESP-1")
    )
    assert again.duplicate and again.referral == original
    assert Referral.objects.filter(source_reference="ESP-1").count() == 1
    assert DuplicateArrival.objects.get().referral == original


def test_it_lists_every_invalid_field_and_writes_nothing(investigator):
    data = referral_data(
        source_kind="rumour",
        source_reference="",
        priority="P9",
        received_at="yesterday",
        identifiers=[{"kind": "email", "value": "not-an-address"}, {"kind": "colour"}],
    )
    with pytest.raises(DomainError) as caught:
        services.referral_receive(actor=investigator, unit=investigator.unit, data=data)
    fields = {error.field for error in caught.value.errors}
    assert fields == {
        "source_kind",
        "source_reference",
        "priority",
        "received_at",
        "identifiers[0].value",
        "identifiers[1].kind",
    }
    assert not Referral.objects.exists()


def test_a_time_without_a_zone_is_refused(investigator):
    with pytest.raises(DomainError, match="time zone"):
        make_referral(actor=investigator, received_at="2026-03-01T09:00:00")


def test_an_incident_after_receipt_is_refused(investigator):
    with pytest.raises(DomainError) as caught:
        make_referral(
            actor=investigator,
            received_at="2026-03-01T09:00:00Z",
            incident_at="2026-03-02T09:00:00Z",
        )
    assert caught.value.errors[0].field == "incident_at"


def test_an_outsider_cannot_record_into_another_unit(outsider, north):
    with pytest.raises(DomainError) as caught:
        services.referral_receive(actor=outsider, unit=north, data=referral_data())
    assert caught.value.status == 403
    assert not Referral.objects.exists()


def test_an_auditor_cannot_record_referrals(auditor, north):
    with pytest.raises(DomainError):
        services.referral_receive(actor=auditor, unit=north, data=referral_data())


def test_an_identifier_can_be_added_during_triage(investigator):
    referral = make_referral(actor=investigator)
    row = services.referral_identifier_add(
        actor=investigator, referral=referral, data={"kind": "ip_address", "value": "192.0.2.7"}
    )
    assert row.normal == "192.0.2.7"
    with pytest.raises(DomainError, match="already holds"):
        services.referral_identifier_add(
            actor=investigator, referral=referral, data={"kind": "ip_address", "value": "192.0.2.7"}
        )
    with pytest.raises(DomainError) as caught:
        services.referral_identifier_add(
            actor=investigator, referral=referral, data={"kind": "phone", "value": "12"}
        )
    assert caught.value.errors[0].field == "value"


def test_the_incident_types_come_back_after_a_flush_but_edits_are_kept():
    from django.apps import apps
    from django.db.models.signals import post_migrate

    config = apps.get_app_config("referrals")
    IncidentType.objects.all().delete()
    post_migrate.send(sender=config, app_config=config, using="default")
    assert IncidentType.objects.filter(active=True).count() == 8
    IncidentType.objects.filter(code="trafficking").update(active=False)
    post_migrate.send(sender=config, app_config=config, using="default")
    assert IncidentType.objects.filter(active=True).count() == 7

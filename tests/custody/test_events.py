from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.core.errors import ConflictError, DomainError
from casework.core.models import Notification
from casework.custody import services
from casework.custody.models import CustodyEvent, CustodySignOff, EvidenceItem
from tests.custody.factories import SHA256_OF_NOTHING
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def at(hours_ago: float):
    return timezone.now() - timedelta(hours=hours_ago)


def transfer(item, *, actor, frm, to, hours_ago=30, **extra):
    if extra.get("kind", "transferred") == "transferred":
        extra.setdefault("transfer_reason", "Synthetic hand-over for examination")
    return services.custody_event_record(
        actor=actor,
        item=item,
        kind=extra.pop("kind", "transferred"),
        started_at=at(hours_ago),
        released_by=frm,
        received_by=to,
        seal_state=extra.pop("seal_state", "intact"),
        place=extra.pop("place", "Synthetic property store"),
        **extra,
    )


def test_a_transfer_moves_the_item_to_the_receiver(item, investigator, teammate):
    event = transfer(
        item, actor=investigator, frm=investigator, to=teammate, transport_method="hand"
    )
    item.refresh_from_db()
    assert item.current_holder == teammate
    assert item.last_event == event
    assert event.sequence == 2
    assert not hasattr(event, "acknowledgement") or event.acknowledgement is None
    audit = AuditEvent.objects.get(action="custody_event.create")
    assert audit.changes == {"holder": ["inv.north", "inv2.north"]}


def test_the_receiver_acknowledges_in_their_own_name(item, investigator, teammate):
    event = transfer(item, actor=investigator, frm=investigator, to=teammate)
    with pytest.raises(DomainError, match="Only the person who received"):
        services.custody_acknowledge(actor=investigator, event=event)
    ack = services.custody_acknowledge(actor=teammate, event=event)
    assert ack.acknowledged_by == teammate


def test_a_receiver_who_records_the_transfer_acknowledges_it_by_doing_so(
    item, investigator, teammate
):
    event = transfer(item, actor=teammate, frm=investigator, to=teammate)
    assert event.acknowledgement.acknowledged_by == teammate


def test_it_refuses_a_transfer_from_someone_who_does_not_hold_the_item(
    item, investigator, teammate, supervisor
):
    with pytest.raises(DomainError, match=r"inv2\.north does not hold") as caught:
        transfer(item, actor=teammate, frm=teammate, to=supervisor)
    assert caught.value.errors[0].field == "released_by"
    assert item.events.count() == 1


def test_time_cannot_go_backwards(item, investigator, teammate):
    transfer(item, actor=investigator, frm=investigator, to=teammate, hours_ago=10)
    with pytest.raises(DomainError, match="Time cannot go backwards"):
        transfer(item, actor=teammate, frm=teammate, to=investigator, hours_ago=11)
    assert item.events.count() == 2


def test_it_refuses_events_in_the_future_and_ends_before_starts(item, investigator, teammate):
    with pytest.raises(DomainError, match="in the future"):
        transfer(item, actor=investigator, frm=investigator, to=teammate, hours_ago=-2)
    with pytest.raises(DomainError, match="cannot end before"):
        transfer(item, actor=investigator, frm=investigator, to=teammate, ended_at=at(40))
    assert item.events.count() == 1


def test_a_handover_needs_the_seal_state_on_receipt(item, investigator, teammate):
    with pytest.raises(DomainError, match="seal state"):
        transfer(item, actor=investigator, frm=investigator, to=teammate, seal_state="")


def test_an_unavoidable_change_needs_who_and_why(item, investigator, teammate):
    with pytest.raises(DomainError, match="who made it and why"):
        services.custody_event_record(
            actor=investigator,
            item=item,
            kind="checked_out",
            started_at=at(20),
            released_by=investigator,
            received_by=teammate,
            seal_state="intact",
            purpose="Examination",
            change_made="Battery removed",
        )
    event = services.custody_event_record(
        actor=investigator,
        item=item,
        kind="checked_out",
        started_at=at(20),
        released_by=investigator,
        received_by=teammate,
        seal_state="intact",
        purpose="Examination",
        tool_name="Synthetic imager",
        tool_version="1.0",
        change_made="Battery removed",
        change_made_by=teammate,
        change_reason="Prevent remote wipe",
    )
    assert event.change_made_by == teammate


def test_only_the_holder_seals_and_unseals(item, investigator, teammate):
    with pytest.raises(DomainError, match=r"Only the person holding"):
        services.custody_event_record(
            actor=teammate, item=item, kind="unsealed", started_at=at(20), seal_state="unsealed"
        )
    services.custody_event_record(
        actor=investigator, item=item, kind="unsealed", started_at=at(20), seal_state="unsealed"
    )
    assert item.events.count() == 2


def test_a_correction_is_a_new_event_that_references_the_wrong_one(item, investigator, teammate):
    wrong = transfer(item, actor=investigator, frm=investigator, to=teammate, place="Room 1")
    correction = services.custody_event_record(
        actor=investigator,
        item=item,
        kind="correction",
        corrects=wrong,
        note="Place was Room 2, not Room 1",
    )
    wrong.refresh_from_db()
    assert wrong.place == "Room 1"
    assert correction.corrects == wrong
    assert list(wrong.corrections.all()) == [correction]
    with pytest.raises(DomainError, match="what was wrong"):
        services.custody_event_record(
            actor=investigator, item=item, kind="correction", corrects=wrong
        )


def test_the_database_refuses_to_update_or_delete_a_custody_event(item):
    event = item.events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CustodyEvent.objects.filter(pk=event.pk).update(place="Elsewhere")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM custody_custodyevent WHERE id = %s", [event.pk])
    assert CustodyEvent.objects.get(pk=event.pk).place == event.place


# --- hash verification -----------------------------------------------------------------------


def verify(item, actor, value, algorithm="sha256"):
    return services.custody_event_record(
        actor=actor,
        item=item,
        kind="hash_verified",
        started_at=at(5),
        hash_algorithm=algorithm,
        hash_value=value,
        tool_name="Synthetic hasher",
        tool_version="2.1",
    )


def test_a_matching_verification_records_a_match(item, investigator):
    event = verify(item, investigator, SHA256_OF_NOTHING.upper())
    assert event.hash_result == "match"
    item.refresh_from_db()
    assert not item.hash_mismatch
    assert not Notification.objects.exists()


def test_a_mismatch_flags_the_item_and_tells_the_lead_and_the_supervisors(
    item, investigator, teammate, supervisor, outside_supervisor
):
    other_sup = UserFactory(username="sup2.north", unit=supervisor.unit, roles=["supervisor"])
    event = verify(item, teammate, "0" * 64)
    assert event.hash_result == "mismatch"
    item.refresh_from_db()
    assert item.hash_mismatch
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {investigator.username, supervisor.username, other_sup.username}


def test_it_refuses_to_verify_against_an_algorithm_with_no_recorded_value(item, investigator):
    with pytest.raises(DomainError, match="No SHA-1 value is recorded"):
        verify(item, investigator, "a" * 40, algorithm="sha1")
    with pytest.raises(DomainError, match="Unknown hash algorithm"):
        verify(item, investigator, "a" * 40, algorithm="whirlpool")
    assert item.events.count() == 1


# --- release and disposal --------------------------------------------------------------------


def request_disposal(item, actor):
    return services.signoff_request(
        actor=actor,
        item=item,
        kind="disposed",
        started_at=at(1),
        authority="Synthetic order 17",
        purpose="Retention period ended",
    )


def test_disposal_needs_a_second_signature_by_another_supervisor(
    item, investigator, teammate, supervisor
):
    with pytest.raises(DomainError, match="second signature"):
        services.custody_event_record(
            actor=investigator, item=item, kind="disposed", started_at=at(1), authority="X"
        )
    sign_off = request_disposal(item, investigator)
    assert item.events.count() == 1
    with pytest.raises(DomainError, match="Only a supervisor"):
        services.signoff_countersign(actor=teammate, sign_off=sign_off)
    event = services.signoff_countersign(actor=supervisor, sign_off=sign_off)
    assert (event.kind, event.recorded_by, event.second_signature_by) == (
        "disposed",
        investigator,
        supervisor,
    )
    item.refresh_from_db()
    assert (item.state, item.current_holder) == ("disposed", None)


def test_a_supervisor_cannot_countersign_their_own_request(item, supervisor):
    sign_off = request_disposal(item, supervisor)
    with pytest.raises(DomainError, match="different person"):
        services.signoff_countersign(actor=supervisor, sign_off=sign_off)
    assert CustodySignOff.objects.get().state == "pending"


def test_a_supervisor_of_another_unit_cannot_countersign(item, investigator, outside_supervisor):
    sign_off = request_disposal(item, investigator)
    with pytest.raises(DomainError, match="Only a supervisor of North"):
        services.signoff_countersign(actor=outside_supervisor, sign_off=sign_off)


def test_nothing_follows_a_disposal(item, investigator, teammate, supervisor):
    services.signoff_countersign(actor=supervisor, sign_off=request_disposal(item, investigator))
    item.refresh_from_db()
    for kind in ("transferred", "hash_verified", "sealed"):
        with pytest.raises(DomainError, match="disposed of"):
            services.custody_event_record(
                actor=investigator,
                item=item,
                kind=kind,
                started_at=at(0.1),
                released_by=None,
                received_by=None,
            )
    assert item.events.count() == 2


def test_release_names_the_receiver_outside_and_a_returned_item_is_received_back(
    item, investigator, teammate, supervisor
):
    sign_off = services.signoff_request(
        actor=investigator,
        item=item,
        kind="released",
        started_at=at(3),
        authority="Court order 12",
        external_party="Synthetic court registry",
    )
    services.signoff_countersign(actor=supervisor, sign_off=sign_off)
    item.refresh_from_db()
    assert item.state == "released"
    with pytest.raises(DomainError, match="released from custody"):
        services.custody_event_record(
            actor=investigator, item=item, kind="sealed", started_at=at(2)
        )
    services.custody_event_record(
        actor=teammate,
        item=item,
        kind="received",
        started_at=at(2),
        received_by=teammate,
        external_party="Synthetic court registry",
        seal_state="intact",
    )
    item.refresh_from_db()
    assert (item.state, item.current_holder) == ("in_custody", teammate)


def test_a_refused_request_leaves_the_item_as_it_was(item, investigator, supervisor):
    sign_off = request_disposal(item, investigator)
    services.signoff_refuse(actor=supervisor, sign_off=sign_off, reason="Still needed")
    item.refresh_from_db()
    assert item.state == "in_custody"
    assert item.events.count() == 1


# --- submission to the national database / ICSE ---------------------------------------------


def test_a_submission_records_its_reference_and_counts(item, investigator):
    event = services.custody_event_record(
        actor=investigator,
        item=item,
        kind="submitted",
        started_at=at(4),
        submission_reference="ICSE-SYN-0001",
        hash_set_identifier="HS-0001",
        count_new=3,
        count_known=10,
        count_series_matched=1,
    )
    assert (event.count_new, event.count_known, event.count_series_matched) == (3, 10, 1)
    item.refresh_from_db()
    assert item.submitted_at == event.started_at


def test_a_submission_without_a_reference_is_refused(item, investigator):
    with pytest.raises(DomainError, match="reference"):
        services.custody_event_record(
            actor=investigator, item=item, kind="submitted", started_at=at(4)
        )
    with pytest.raises(DomainError, match="whole number"):
        services.custody_event_record(
            actor=investigator,
            item=item,
            kind="submitted",
            started_at=at(4),
            submission_reference="ICSE-1",
            count_new=-1,
        )
    assert item.events.count() == 1


# --- stale views -----------------------------------------------------------------------------


def test_a_stale_view_of_the_item_gets_a_conflict(item, investigator, teammate, supervisor):
    stale = EvidenceItem.objects.get(pk=item.pk)
    transfer(item, actor=investigator, frm=investigator, to=teammate)
    with pytest.raises(ConflictError, match="while you were working"):
        transfer(stale, actor=investigator, frm=investigator, to=supervisor, hours_ago=20)

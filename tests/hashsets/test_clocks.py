"""The register's clocks: submission after seizure, acknowledgement after sharing.

Each starts, is met and escalates only by the act it stands for; nothing is waived here."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from casework.core.errors import DomainError
from casework.core.models import Notification
from casework.custody import services as custody
from casework.deadlines import services as deadlines
from casework.deadlines.models import Deadline
from casework.hashsets import services
from tests.hashsets.factories import make_hash_set, share

pytestmark = pytest.mark.django_db


def submission_clock(item) -> Deadline:
    return Deadline.objects.get(
        kind="icse_submission", source_type="custody.evidenceitem", source_id=str(item.pk)
    )


def ack_clock(sharing) -> Deadline:
    return Deadline.objects.get(
        kind="hash_set_acknowledgement", source_type="hashsets.sharing", source_id=str(sharing.pk)
    )


def test_seizing_starts_the_submission_clock_from_the_seizure(item):
    clock = submission_clock(item)
    assert clock.state == "open"
    assert clock.starts_at == item.seized_at
    assert clock.due_at - item.seized_at >= timedelta(days=30)  # the shipped 30-day rule
    assert [started.deadline for started in item.started_clocks] == [clock]


def test_the_custody_submitted_event_no_longer_meets_it(item, investigator):
    custody.custody_event_record(
        actor=investigator,
        item=item,
        kind="submitted",
        started_at=timezone.now() - timedelta(hours=1),
        submission_reference="ICSE-SYN-0002",
    )
    assert submission_clock(item).state == "open"


@pytest.mark.parametrize("destination", ["agency", "vic_partner"])
def test_a_sharing_elsewhere_does_not_meet_it(hash_set, investigator, agency, destination):
    share(hash_set=hash_set, actor=investigator, destination=destination, agency=agency)
    assert submission_clock(hash_set.item).state == "open"


@pytest.mark.parametrize("destination", ["icse", "national"])
def test_a_sharing_to_the_national_database_or_icse_meets_it(hash_set, investigator, destination):
    sharing = share(hash_set=hash_set, actor=investigator, destination=destination)
    clock = submission_clock(hash_set.item)
    assert clock.state == "met"
    assert sharing.clocks_met == 1
    hash_set.item.refresh_from_db()
    assert hash_set.item.submitted_at == sharing.shared_at


def test_every_sharing_starts_an_acknowledgement_clock_met_only_by_the_acknowledgement(
    hash_set, investigator
):
    sharing = share(hash_set=hash_set, actor=investigator)
    clock = ack_clock(sharing)
    assert clock.state == "open"
    assert clock.due_at - sharing.shared_at >= timedelta(days=14)
    # Another sharing's acknowledgement does not meet this one.
    other = share(hash_set=hash_set, actor=investigator, destination="national")
    services.hash_set_sharing_acknowledge(
        actor=investigator,
        sharing=other,
        acknowledged_at=timezone.now(),
        acknowledgement="Received and loaded",
    )
    assert ack_clock(sharing).state == "open"
    assert ack_clock(other).state == "met"
    services.hash_set_sharing_acknowledge(
        actor=investigator,
        sharing=sharing,
        acknowledged_at=timezone.now(),
        acknowledgement="Received",
        reference_received="ICSE-SYN-7",
    )
    assert ack_clock(sharing).state == "met"
    sharing.refresh_from_db()
    assert sharing.reference_received == "ICSE-SYN-7"


def test_an_acknowledgement_is_recorded_once(hash_set, investigator):
    sharing = share(hash_set=hash_set, actor=investigator)
    services.hash_set_sharing_acknowledge(
        actor=investigator, sharing=sharing, acknowledged_at=timezone.now(), acknowledgement="Ok"
    )
    with pytest.raises(DomainError) as refused:
        services.hash_set_sharing_acknowledge(
            actor=investigator,
            sharing=sharing,
            acknowledged_at=timezone.now(),
            acknowledgement="Again",
        )
    assert refused.value.status == 409


def test_an_unacknowledged_sharing_escalates_to_the_supervisor(
    hash_set,
    investigator,
    supervisor,
    outside_supervisor,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    sharing = share(hash_set=hash_set, actor=investigator)
    clock = ack_clock(sharing)
    with (
        time_machine.travel(clock.due_at + timedelta(minutes=5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = deadlines.deadlines_sweep()
    assert result.escalations >= 1
    clock.refresh_from_db()
    assert clock.state == "missed"
    told = Notification.objects.filter(kind="deadline.escalation")
    assert supervisor.pk in {n.recipient_id for n in told}
    assert not told.filter(recipient=outside_supervisor).exists()
    assert any("Acknowledgement of a shared hash set" in n.subject for n in told)


def test_a_sharing_is_recorded_by_a_person_not_a_service_account(hash_set, investigator):
    investigator.is_service_account = True
    investigator.save(update_fields=["is_service_account"])
    with pytest.raises(DomainError) as refused:
        share(hash_set=hash_set, actor=investigator)
    assert refused.value.status == 403
    assert submission_clock(hash_set.item).state == "open"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"destination": "elsewhere"}, "destination"),
        ({"destination": "agency"}, "agency"),
        ({"shared_at": timezone.now() + timedelta(days=2)}, "shared_at"),
        ({"shared_at": timezone.now() - timedelta(days=400)}, "shared_at"),
        ({"reference_received": "ref\x00"}, "reference_received"),
    ],
)
def test_a_wrong_sharing_is_refused_at_its_field_and_moves_no_clock(
    hash_set, investigator, changes, field
):
    with pytest.raises(DomainError) as refused:
        share(hash_set=hash_set, actor=investigator, **changes)
    assert refused.value.errors[0].field == field
    assert submission_clock(hash_set.item).state == "open"
    assert not Deadline.objects.filter(kind="hash_set_acknowledgement").exists()


def test_a_set_cannot_be_older_than_the_seizure(item, investigator):
    with pytest.raises(DomainError) as refused:
        make_hash_set(item=item, actor=investigator, made_at=item.seized_at - timedelta(days=1))
    assert refused.value.errors[0].field == "made_at"

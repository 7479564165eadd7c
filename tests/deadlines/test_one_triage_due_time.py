"""One stored triage due time: the referral's ``triage_due_at`` (which the queue orders by) and
its running triage clock's ``due_at`` (which the sweep reads) tell the same time, whichever way
the referral arrived and whichever app moved the clock (docs/deadlines.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.audit.models import AuditEvent
from casework.deadlines import services
from casework.deadlines.choices import ACTIVE_STATES
from casework.deadlines.models import Deadline
from casework.referrals.bulk import referrals_receive_bulk
from casework.referrals.models import Referral
from casework.referrals.services import active_incident_types, referral_prioritise
from casework.referrals.validation import clean_referral
from tests.referrals.factories import make_referral, referral_data

pytestmark = pytest.mark.django_db


def running_triage_clock(referral: Referral) -> Deadline:
    return Deadline.objects.get(referral=referral, kind="referral_triage", state__in=ACTIVE_STATES)


def assert_in_step(referral: Referral) -> Deadline:
    referral.refresh_from_db()
    clock = running_triage_clock(referral)
    assert referral.triage_due_at is not None
    assert referral.triage_due_at == clock.due_at
    return clock


def test_a_referral_received_has_one_triage_due_time(investigator):
    assert_in_step(make_referral(actor=investigator, priority="P2"))


def test_referrals_imported_in_bulk_have_one_triage_due_time_each(north, investigator):
    types = active_incident_types()
    rows = [
        (n, clean_referral(referral_data(priority=p), incident_types=types)[0])
        for n, p in enumerate(["P1", "P2", "P3", "P4"], start=1)
    ]
    result = referrals_receive_bulk(actor=investigator, unit=north, batches=[rows], source="t")
    assert len(result.referral_ids) == 4
    for referral in Referral.objects.filter(pk__in=result.referral_ids):
        assert_in_step(referral)


def test_reprioritising_moves_both(investigator):
    referral = make_referral(actor=investigator, priority="P4")
    before = assert_in_step(referral).due_at
    referral_prioritise(actor=investigator, referral=referral, priority="P1")
    assert assert_in_step(referral).due_at < before


def test_extending_the_triage_clock_moves_the_referral_too(investigator):
    referral = make_referral(actor=investigator, priority="P3")
    clock = assert_in_step(referral)
    later = clock.due_at + timedelta(days=2)
    extension = services.deadline_extend(
        actor=investigator, deadline=clock, new_due_at=later, reason="Awaiting the provider."
    )
    assert extension.due_at == later
    assert assert_in_step(referral) == extension
    moved = AuditEvent.objects.get(action="referral.triage_due_set", object_id=str(referral.pk))
    assert moved.changes["triage_due_at"] == [clock.due_at.isoformat(), later.isoformat()]


def test_rescheduling_the_triage_clock_moves_the_referral_too(investigator):
    referral = make_referral(actor=investigator, priority="P2")
    clock = assert_in_step(referral)
    sooner = clock.due_at - timedelta(hours=12)
    services.deadline_reschedule(
        actor=investigator, deadline=clock, due_at=sooner, reason="Escalation asked."
    )
    assert assert_in_step(referral).due_at == sooner


def test_a_clock_that_already_agrees_writes_nothing_on_the_referral(investigator):
    referral = make_referral(actor=investigator, priority="P2")
    clock = assert_in_step(referral)
    services.deadline_reschedule(
        actor=investigator, deadline=clock, due_at=clock.due_at, reason="Checked."
    )
    assert not AuditEvent.objects.filter(action="referral.triage_due_set").exists()

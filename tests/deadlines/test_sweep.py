"""The beat sweep: reminders once each, missed clocks escalated, in a bounded number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection

from casework.audit.models import AuditEvent
from casework.core.models import Notification
from casework.deadlines import services
from casework.deadlines.models import Deadline, DeadlineReminder, ReminderSchedule

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def court_date(investigator, north_case):
    with time_machine.travel(NOW, tick=False):
        return services.deadline_start(
            actor=investigator,
            kind="court_date",
            case=north_case,
            due_at=NOW + timedelta(days=10),
            time_zone="Europe/London",
        )


def sweep_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return services.deadlines_sweep()


def reminders_to(user):
    return list(
        Notification.objects.filter(recipient=user, kind="deadline.reminder").values_list(
            "subject", flat=True
        )
    )


def test_a_reminder_goes_to_the_owner_once(
    investigator, court_date, eager_celery, django_capture_on_commit_callbacks
):
    # Court dates remind 14d, 7d, 1d and 2h before; at 10 days out none is due yet.
    assert sweep_at(NOW, django_capture_on_commit_callbacks).reminders == 0
    moment = court_date.due_at - timedelta(days=7) + timedelta(minutes=1)
    first = sweep_at(moment, django_capture_on_commit_callbacks)
    assert first.reminders == 1
    assert reminders_to(investigator) == [
        f"Court date for {court_date.case.number} due in 6 days, 23 hours"
    ]
    assert len(mail.outbox) == 1
    # A retry, a second worker or a restarted beat: the claim is already taken.
    again = sweep_at(moment + timedelta(minutes=1), django_capture_on_commit_callbacks)
    assert again.reminders == 0
    assert len(reminders_to(investigator)) == 1
    court_date.refresh_from_db()
    assert court_date.next_reminder_at == court_date.due_at - timedelta(days=1)


def test_sending_the_same_claim_twice_notifies_once(
    investigator, court_date, django_capture_on_commit_callbacks
):
    moment = court_date.due_at - timedelta(days=1)
    with time_machine.travel(moment, tick=False):
        result = services.deadlines_sweep()
    # 14d, 7d and 1d are all due (nobody swept before): one message, for the nearest.
    assert (result.reminders, result.claimed) == (1, 3)
    with time_machine.travel(moment, tick=False):
        assert services.deadline_reminders_send(reminder_ids=result.reminder_ids) == 1
        DeadlineReminder.objects.update(notified_at=None)  # the worker died before recording it
        assert services.deadline_reminders_send(reminder_ids=result.reminder_ids) == 0
    assert reminders_to(investigator) == [f"Court date for {court_date.case.number} due in 1 day"]


def test_the_unique_constraint_refuses_a_second_claim(court_date):
    from django.db import IntegrityError, transaction

    DeadlineReminder.objects.create(
        deadline=court_date,
        kind="reminder",
        offset_seconds=86400,
        message_offset_seconds=86400,
        created_at=NOW,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineReminder.objects.create(
            deadline=court_date,
            kind="reminder",
            offset_seconds=86400,
            message_offset_seconds=86400,
            created_at=NOW,
        )


def test_an_overdue_clock_is_marked_missed_and_escalated_to_supervisors(
    investigator,
    supervisor,
    outside_supervisor,
    court_date,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    result = sweep_at(court_date.due_at + timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert (result.missed, result.escalations) == (1, 1)
    court_date.refresh_from_db()
    assert court_date.state == "missed"
    escalations = Notification.objects.filter(kind="deadline.escalation")
    assert {n.recipient.username for n in escalations} == {"sup.north", "inv.north"}
    assert escalations.first().subject.startswith("Overdue: Court date")
    assert not Notification.objects.filter(recipient=outside_supervisor).exists()
    again = sweep_at(court_date.due_at + timedelta(hours=1), django_capture_on_commit_callbacks)
    assert again.missed == 0
    assert escalations.count() == 2


def test_a_met_clock_is_not_reminded(investigator, court_date, django_capture_on_commit_callbacks):
    services.deadline_meet(actor=investigator, deadline=court_date)
    result = sweep_at(court_date.due_at - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert (result.reminders, result.missed) == (0, 0)


def test_a_preservation_reminder_links_to_its_renewal(
    investigator, north_case, eager_celery, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        preservation = services.deadline_start(
            actor=investigator, kind="preservation_us_2703f", case=north_case, jurisdiction="US"
        )
    sweep_at(preservation.due_at - timedelta(days=13), django_capture_on_commit_callbacks)
    notification = Notification.objects.get(recipient=investigator, kind="deadline.reminder")
    assert "renewed or extended" in notification.body
    assert f"/deadlines/{preservation.reference}/#extend" in notification.body
    assert notification.link == f"/deadlines/{preservation.reference}/"


def test_the_sweep_does_a_fixed_number_of_queries(
    investigator, north_case, django_assert_max_num_queries
):
    with time_machine.travel(NOW, tick=False):
        for day in range(1, 41):
            services.deadline_start(
                actor=investigator,
                kind="court_date",
                case=north_case,
                due_at=NOW + timedelta(days=day % 20, hours=1),
            )
    with (
        time_machine.travel(NOW + timedelta(days=5), tick=False),
        django_assert_max_num_queries(8),
    ):
        result = services.deadlines_sweep()
    assert result.missed == Deadline.objects.filter(state="missed").count() > 0
    assert result.reminders > 0


def test_an_unsent_claim_is_sent_again_later(
    investigator, court_date, eager_celery, django_capture_on_commit_callbacks
):
    moment = court_date.due_at - timedelta(hours=23)
    with time_machine.travel(moment, tick=False):
        services.deadlines_sweep()  # committed, but its sending was lost (no on_commit run)
    assert reminders_to(investigator) == []
    later = sweep_at(moment + timedelta(minutes=11), django_capture_on_commit_callbacks)
    assert later.resent == 1  # the 14d, 7d and 1d claims are one message
    assert len(reminders_to(investigator)) == 1


def test_a_claim_moves_the_schedule_not_the_clock(court_date, django_capture_on_commit_callbacks):
    """The claim rewrites the clock's narrow ``ReminderSchedule`` row, never the clock's own
    row with its seventeen indexes (issue 26): no new row version, no ``record.change``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM deadlines_deadline WHERE id = %s", [court_date.pk])
        version = cursor.fetchone()[0]
    changes_before = AuditEvent.objects.filter(
        action="record.change", object_type="deadlines.deadline", object_id=str(court_date.pk)
    ).count()
    moment = court_date.due_at - timedelta(days=7) + timedelta(minutes=1)
    assert sweep_at(moment, django_capture_on_commit_callbacks).reminders == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM deadlines_deadline WHERE id = %s", [court_date.pk])
        assert cursor.fetchone()[0] == version
    assert (
        AuditEvent.objects.filter(
            action="record.change", object_type="deadlines.deadline", object_id=str(court_date.pk)
        ).count()
        == changes_before
    )
    schedule = ReminderSchedule.objects.get(deadline=court_date)
    assert schedule.next_reminder_at == court_date.due_at - timedelta(days=1)

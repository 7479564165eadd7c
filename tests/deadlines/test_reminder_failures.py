"""One reminder that cannot be sent holds back no other: it is recorded, audited, reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from casework.audit.models import AuditEvent
from casework.core.models import Notification
from casework.deadlines import services
from casework.deadlines.models import DeadlineReminder
from casework.deadlines.services import sweep

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def sweep_at(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return services.deadlines_sweep()


@pytest.fixture
def clocks(investigator, north_case):
    with time_machine.travel(NOW, tick=False):
        return [
            services.deadline_start(
                actor=investigator,
                kind="court_date",
                case=north_case,
                due_at=NOW + timedelta(days=1, hours=hours),
            )
            for hours in (1, 2, 3)
        ]


def store_out_of_range_time(deadline):
    # A row written before the shared validators: PostgreSQL holds a year Python cannot.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE deadlines_deadline SET starts_at = '0100-01-01 00:00+00 BC', "
            "due_at = '0100-01-01 00:00+00 BC' WHERE id = %s",
            [deadline.pk],
        )


def test_a_reminder_that_fails_is_recorded_and_the_others_are_sent(
    investigator, administrator, clocks, eager_celery, django_capture_on_commit_callbacks
):
    good_1, bad, good_2 = clocks
    store_out_of_range_time(bad)
    moment = NOW + timedelta(hours=3)
    result = sweep_at(moment, django_capture_on_commit_callbacks)
    assert (result.reminders, result.escalations) == (2, 1)

    sent = Notification.objects.filter(recipient=investigator, kind="deadline.reminder")
    assert sorted(n.link for n in sent) == sorted(
        f"/deadlines/{d.reference}/" for d in (good_1, good_2)
    )
    failed = DeadlineReminder.objects.get(deadline=bad)
    assert failed.notified_at is None
    assert failed.attempts == 1
    assert failed.failed_at == moment
    assert failed.failure.startswith("DataError")
    assert not DeadlineReminder.objects.filter(
        deadline__in=[good_1, good_2], notified_at__isnull=True
    ).exists()
    alert = Notification.objects.get(recipient=administrator, kind="deadline.reminder_failed")
    assert f"reminder {failed.pk}" in alert.subject
    assert "other reminders were sent" in alert.body
    event = AuditEvent.objects.get(action="deadline.reminder_fail")
    assert event.details["deadline_id"] == bad.pk

    # The next sweep retries the failed one only; the sent ones are not sent again and the
    # administrators are not told twice.
    again = sweep_at(moment + timedelta(minutes=11), django_capture_on_commit_callbacks)
    assert again.resent == 1
    assert sent.count() == 2
    failed.refresh_from_db()
    assert failed.attempts == 2
    assert Notification.objects.filter(kind="deadline.reminder_failed").count() == 1


def test_a_reminder_is_given_up_after_the_last_attempt(
    administrator, clocks, django_capture_on_commit_callbacks
):
    store_out_of_range_time(clocks[1])
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        result = services.deadlines_sweep()
    escalation = DeadlineReminder.objects.get(deadline=clocks[1])
    DeadlineReminder.objects.filter(pk=escalation.pk).update(
        attempts=sweep.MAX_SEND_ATTEMPTS, failed_at=NOW, failure="DataError: earlier"
    )
    later = sweep_at(NOW + timedelta(hours=4), django_capture_on_commit_callbacks)
    assert escalation.pk in result.reminder_ids
    assert escalation.pk not in later.reminder_ids
    assert later.resent == 2  # the other two messages, never sent in this test, still are


def store_far_future_time(deadline):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE deadlines_deadline SET due_at = '12000-01-01 00:00+00' WHERE id = %s",
            [deadline.pk],
        )


def test_pages_leave_out_a_row_whose_time_is_out_of_range(
    client_for, investigator, supervisor, clocks, north_case
):
    store_out_of_range_time(clocks[0])
    store_far_future_time(clocks[1])
    signed_in = client_for(investigator)
    with time_machine.travel(NOW, tick=False):
        pages = {
            "/deadlines/": signed_in,
            "/deadlines/calendar/": signed_in,
            "/": signed_in,
            f"/cases/{north_case.number}/": signed_in,
            "/deadlines/board/": client_for(supervisor),
        }
        for url, client in pages.items():
            response = client.get(url)
            assert response.status_code == 200, url
        mine = signed_in.get("/deadlines/").content.decode()
        listed = signed_in.get("/api/v1/deadlines/?scope=visible&kind=court_date")
    assert str(clocks[2].reference) in mine
    assert str(clocks[0].reference) not in mine
    assert [d["reference"] for d in listed.json()["results"]] == [str(clocks[2].reference)]

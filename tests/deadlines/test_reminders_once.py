"""Each reminder goes out once however the claimed rows are split between sending tasks.

A clock swept late has several offsets due at once; they are one message. The rows of that
message may land in two chunks (an escalation earlier in the list shifts the boundaries), on two
workers at the same moment, or be sent again after a worker died: the person still gets one
e-mail. A clock started after all its reminder times gets one reminder that says it is late.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connections

from casework.core.models import Notification
from casework.deadlines import services
from casework.deadlines.models import DeadlineReminder
from casework.deadlines.services import sweep

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def court_date(actor, case, due_at):
    with time_machine.travel(NOW, tick=False):
        return services.deadline_start(
            actor=actor, kind="court_date", case=case, due_at=due_at, time_zone="Europe/London"
        )


def claim_at(moment):
    with time_machine.travel(moment, tick=False):
        return services.deadlines_sweep()


def rows_of(deadline):
    return list(
        DeadlineReminder.objects.filter(deadline=deadline, kind="reminder")
        .order_by("offset_seconds")
        .values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_it_sends_one_email_when_a_clocks_offsets_fall_in_two_chunks(
    investigator, north_case, eager_celery, django_capture_on_commit_callbacks
):
    # Court dates remind 14d, 7d, 1d and 2h before; swept first at 1 day out, three are due.
    deadline = court_date(investigator, north_case, NOW + timedelta(days=10))
    moment = deadline.due_at - timedelta(days=1)
    result = claim_at(moment)
    assert (result.reminders, result.claimed) == (1, 3)
    nearest, *farther = rows_of(deadline)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        first = services.deadline_reminders_send(reminder_ids=farther)
        second = services.deadline_reminders_send(reminder_ids=[nearest])
    assert first + second == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == (f"[Casework] Court date for {north_case.number} due in 1 day")
    assert not DeadlineReminder.objects.filter(notified_at__isnull=True).exists()


@pytest.mark.django_db
def test_an_escalation_that_shifts_the_chunk_boundaries_doubles_nothing(
    investigator,
    supervisor,
    north_case,
    eager_celery,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    # Twelve clocks reminded three offsets at once, and one overdue clock whose escalation comes
    # first in the list: with chunks of 7 ids, boundaries fall inside several clocks' messages.
    reminded = [
        court_date(investigator, north_case, NOW + timedelta(days=10, minutes=n)) for n in range(12)
    ]
    overdue = court_date(investigator, north_case, NOW + timedelta(days=8))
    monkeypatch.setattr(sweep, "SEND_CHUNK", 7)
    moment = NOW + timedelta(days=9, hours=1)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = services.deadlines_sweep()
    assert (result.escalations, result.reminders, result.claimed) == (1, 12, 36)
    sent = Notification.objects.filter(recipient=investigator, kind="deadline.reminder")
    assert sorted(n.link for n in sent) == sorted(f"/deadlines/{d.reference}/" for d in reminded)
    to_investigator = [m for m in mail.outbox if m.to == [investigator.email]]
    # Twelve reminders and the escalation (the owner is told too), one e-mail each.
    assert len(to_investigator) == 13
    escalations = Notification.objects.filter(kind="deadline.escalation", recipient=supervisor)
    assert [n.link for n in escalations] == [f"/deadlines/{overdue.reference}/"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_halves_of_one_message_at_once_send_it_once(
    investigator, north_case, eager_celery, monkeypatch
):
    clocks = [
        court_date(investigator, north_case, NOW + timedelta(days=10, minutes=n)) for n in range(8)
    ]
    moment = clocks[0].due_at - timedelta(days=1)
    # Claimed and committed; the sweep's own dispatch is left out, the two workers below send.
    monkeypatch.setattr(sweep, "_dispatch", lambda chunks: None)
    claim_at(moment)
    # Each worker gets one half of every clock's rows: the nearest offset to one, the rest to
    # the other (the worst split a chunk boundary can make).
    halves: list[list[int]] = [[], []]
    for deadline in clocks:
        nearest, *farther = rows_of(deadline)
        halves[0].append(nearest)
        halves[1].extend(farther)
    started = threading.Barrier(2)
    sent: list[int] = []

    def worker(ids):
        try:
            started.wait()
            with time_machine.travel(moment, tick=False):
                sent.append(services.deadline_reminders_send(reminder_ids=ids))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    failures = set(DeadlineReminder.objects.exclude(failure="").values_list("failure", flat=True))
    assert failures == set()
    assert sum(sent) == len(clocks)
    assert len(mail.outbox) == len(clocks)
    assert len({m.body for m in mail.outbox}) == len(clocks)
    assert not DeadlineReminder.objects.filter(notified_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_clock_started_after_its_reminder_times_gets_one_late_reminder(
    investigator, north_case, eager_celery, django_capture_on_commit_callbacks
):
    # Due in 90 minutes: the 14d, 7d, 1d and 2h reminder times have all passed.
    deadline = court_date(investigator, north_case, NOW + timedelta(minutes=90))
    first = claim_at(NOW + timedelta(minutes=1))
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        services.deadline_reminders_send(reminder_ids=first.reminder_ids)
    assert (first.reminders, first.claimed) == (1, 4)
    again = claim_at(NOW + timedelta(minutes=30))
    assert again.reminders == 0
    [notification] = Notification.objects.filter(recipient=investigator, kind="deadline.reminder")
    assert notification.subject == f"Court date for {north_case.number} due in 1 hour, 29 minutes"
    assert notification.body.startswith(
        "Late reminder: this deadline was recorded 01 Jun 2026 11:00 BST, after its last "
        "reminder time (2 hours before it is due) had passed."
    )
    assert notification.link == f"/deadlines/{deadline.reference}/"


@pytest.mark.django_db
def test_a_clock_with_reminder_times_ahead_is_reminded_on_time_not_late(
    investigator, north_case, django_capture_on_commit_callbacks
):
    # Due in 3 days: 14d and 7d have passed but 1d and 2h are ahead, so no catch-up now.
    deadline = court_date(investigator, north_case, NOW + timedelta(days=3))
    assert claim_at(NOW + timedelta(minutes=1)).reminders == 0
    result = claim_at(deadline.due_at - timedelta(days=1))
    with time_machine.travel(deadline.due_at - timedelta(days=1), tick=False):
        services.deadline_reminders_send(reminder_ids=result.reminder_ids)
    [notification] = Notification.objects.filter(recipient=investigator, kind="deadline.reminder")
    assert notification.subject.endswith("due in 1 day")
    assert not notification.body.startswith("Late reminder")

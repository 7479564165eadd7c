from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from casework.core.models import Notification
from casework.core.notifications import notify

pytestmark = pytest.mark.django_db


def test_a_notification_is_shown_with_an_unread_count_and_emailed(
    client_for, investigator, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                recipients=[investigator],
                kind="deadline.reminder",
                subject="Preservation for NORTH-2026-000001 expires in 7 days",
                link="/cases/NORTH-2026-000001/",
            )
    finally:
        app.conf.task_always_eager = False
    client = client_for(investigator)
    home = client.get("/").content.decode()
    assert 'aria-label="1 unread"' in home
    page = client.get("/notifications/").content.decode()
    assert "expires in 7 days" in page
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [investigator.email]
    assert mail.outbox[0].subject.startswith("[Casework] Preservation")

    client.post("/notifications/read/")
    assert 'aria-label="1 unread"' not in client.get("/").content.decode()


def test_the_same_key_notifies_once(investigator):
    for _ in range(3):
        notify(
            recipients=[investigator], kind="k", subject="Once", dedupe_key="r:1:7d", email=False
        )
    assert Notification.objects.filter(recipient=investigator).count() == 1


def test_nobody_sees_another_persons_notifications(client_for, investigator, outsider):
    notify(recipients=[investigator], kind="k", subject="For north only", email=False)
    assert "For north only" not in client_for(outsider).get("/notifications/").content.decode()


class RefusingBackend:
    """A mail server that is down: every send fails."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server refused the connection")


def _owed_email(investigator, django_capture_on_commit_callbacks):
    # The task that should have sent it is lost (its worker died before it ran).
    with django_capture_on_commit_callbacks(execute=False):
        [notification] = notify(
            recipients=[investigator], kind="deadline.reminder", subject="Due in 1 day"
        )
    return notification


def test_a_lost_email_is_sent_by_the_retry_sweep_once(
    investigator, django_capture_on_commit_callbacks
):
    import time_machine

    from casework.core.notifications import notification_email_send, notification_emails_retry

    notification = _owed_email(investigator, django_capture_on_commit_callbacks)
    assert notification_emails_retry() == []  # not yet: the first task may still be queued
    later = notification.created_at + timedelta(minutes=11)
    with time_machine.travel(later, tick=False):
        assert notification_emails_retry() == [notification.pk]
        assert notification_emails_retry() == []  # queued once, not every minute
        assert notification_email_send(notification_id=notification.pk) is True
        assert notification_email_send(notification_id=notification.pk) is False  # a redelivery
    assert len(mail.outbox) == 1
    assert (
        mail.outbox[0].extra_headers["Message-ID"].startswith(f"<notification.{notification.pk}.")
    )
    notification.refresh_from_db()
    assert (notification.emailed_at, notification.email_retry_at) == (later, None)
    with time_machine.travel(later + timedelta(days=1), tick=False):
        assert notification_emails_retry() == []


def test_a_failing_mail_server_is_retried_with_backoff_then_given_up(
    investigator, settings, django_capture_on_commit_callbacks
):
    import time_machine

    from casework.core.notifications import (
        EMAIL_MAX_ATTEMPTS,
        notification_email_send,
        notification_emails_retry,
    )

    settings.EMAIL_BACKEND = "tests.core.test_notifications.RefusingBackend"
    notification = _owed_email(investigator, django_capture_on_commit_callbacks)
    moment = notification.created_at + timedelta(minutes=10)
    waits = []
    for _attempt in range(EMAIL_MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            assert notification_emails_retry() == [notification.pk]
            assert notification_email_send(notification_id=notification.pk) is False
        notification.refresh_from_db()
        if notification.email_retry_at is not None:
            waits.append(notification.email_retry_at - moment)
            moment = notification.email_retry_at
    assert waits == [timedelta(minutes=m) for m in (10, 20, 40, 80)]
    assert notification.email_attempts == EMAIL_MAX_ATTEMPTS
    assert notification.email_retry_at is None  # given up: it stays in Casework
    assert notification.email_failure == (
        "ConnectionRefusedError: mail server refused the connection"
    )
    assert notification.emailed_at is None
    with time_machine.travel(moment + timedelta(days=1), tick=False):
        assert notification_emails_retry() == []


def test_nothing_is_owed_for_a_notification_not_meant_for_email(investigator):
    [notification] = notify(recipients=[investigator], kind="k", subject="In-app", email=False)
    assert notification.email_retry_at is None


def test_the_retry_sweep_is_on_the_beat_schedule():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["notification-emails-retry"]
    assert entry["task"] == "casework.core.retry_notification_emails"

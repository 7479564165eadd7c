from __future__ import annotations

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

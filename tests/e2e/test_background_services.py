"""The administrator sees which worker stopped, on a laptop and on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.core.models import Heartbeat
from casework.core.services import heartbeat_record
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_a_stopped_worker_is_named_in_red(page, sign_in_as, administrator, settings, width, height):
    settings.CASEWORK_WORKERS_EXPECTED = 2
    heartbeat_record(component="scheduler", hostname="beat-host")
    heartbeat_record(component="worker", hostname="worker1@casework-worker-a.internal")
    heartbeat_record(component="worker", hostname="worker2@casework-worker-b.internal")
    Heartbeat.objects.filter(hostname__startswith="worker2").update(
        last_seen_at=timezone.now() - timedelta(minutes=7)
    )
    page.set_viewport_size({"width": width, "height": height})
    sign_in_as(administrator.username)
    page.goto("/")
    alert = page.get_by_role("alert").filter(has_text="Not running")
    assert "Worker worker2@casework-worker-b.internal, last seen" in alert.inner_text()
    assert "1 of 2 expected workers running" in alert.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"home-background-services-{width}")

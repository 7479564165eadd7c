"""Custody forms start from what is most likely: now, on the reader's clock and in their zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 1, 21, 45, 30, tzinfo=UTC)


def _value(html: str, name: str) -> str:
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    found = re.search(r'value="([^"]*)"', field)
    return found.group(1) if found else ""


def test_a_custody_event_starts_at_now_in_the_reader_s_zone(client_for, investigator, item):
    investigator.time_zone = "Europe/London"
    investigator.save(update_fields=["time_zone"])
    with time_machine.travel(NOW, tick=False):
        html = client_for(investigator).get(reverse("custody:event-create", args=[item.public_id]))
    page = html.content.decode()
    assert _value(page, "started_at") == "2026-07-01T22:45"  # BST, to the minute
    assert 'value="Europe/London"' in page


def test_a_seizure_time_is_left_for_the_investigator_to_give(client_for, investigator, case):
    html = client_for(investigator).get(reverse("custody:item-create", args=[case.number]))
    assert _value(html.content.decode(), "seized_at") == ""


def test_a_correction_is_dated_when_it_is_recorded_not_by_the_offered_start(
    client_for, investigator, item
):
    seized = item.events.get()
    client = client_for(investigator)
    url = reverse("custody:event-create", args=[item.public_id])
    moment = (timezone.now() + timedelta(hours=1)).replace(second=50, microsecond=0)
    with time_machine.travel(moment, tick=False):
        offered = _value(client.get(url).content.decode(), "started_at")
        response = client.post(
            url,
            {
                "kind": "correction",
                "corrects": seized.pk,
                "note": "Synthetic correction of the place",
                "started_at": offered,  # the minute, offered by default
                "time_zone": "UTC",
                "expected_last_event": item.last_event_id,
            },
        )
    assert response.status_code == 302
    correction = item.events.order_by("-sequence").first()
    assert correction.kind == "correction"
    assert correction.started_at == moment

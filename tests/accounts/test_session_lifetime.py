from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, investigator, settings):
    settings.CASEWORK_REQUIRE_2FA = False
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    return start


def test_it_signs_out_after_thirty_idle_minutes(client, signed_in):
    with time_machine.travel(signed_in + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(signed_in + timedelta(minutes=29 + 31), tick=False):
        response = client.get("/", follow=True)
    assert "30 minutes without activity" in response.content.decode()


def test_activity_keeps_the_session_alive_but_not_beyond_twelve_hours(client, signed_in):
    moment = signed_in
    for _ in range(11 * 3):  # a request every 20 minutes for 11 hours
        moment += timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(signed_in + timedelta(hours=12, minutes=1), tick=False):
        response = client.get("/", follow=True)
    assert "signed out after 12 hours" in response.content.decode()

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


def test_an_active_user_stays_signed_in_at_the_shortest_idle_limit(client, investigator, settings):
    settings.CASEWORK_REQUIRE_2FA = False
    settings.CASEWORK_SESSION_IDLE_MINUTES = 1  # the minimum the setting accepts
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    for step in range(1, 16):  # a request every 20 seconds for five minutes
        with time_machine.travel(start + timedelta(seconds=20 * step), tick=False):
            assert client.get("/").status_code == 200, f"signed out after {20 * step} s"
    with time_machine.travel(start + timedelta(seconds=300 + 61), tick=False):
        response = client.get("/", follow=True)
    assert "after 1 minute without activity" in response.content.decode()


def test_the_idle_limit_is_kept_to_within_a_quarter_of_it(client, signed_in, settings):
    settings.CASEWORK_SESSION_IDLE_MINUTES = 2
    with time_machine.travel(signed_in + timedelta(seconds=59), tick=False):
        assert client.get("/").status_code == 200
    # Active 59 s after signing in, so 2 idle minutes end at 179 s, not at 120 s.
    with time_machine.travel(signed_in + timedelta(seconds=150), tick=False):
        assert client.get("/").status_code == 200

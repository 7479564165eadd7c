"""The personal iCalendar feed: secret URL, hashed token, revocable, only what the user may see."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from casework.deadlines import services
from casework.deadlines.models import CalendarFeedToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def clocks(investigator, outsider, north_case, south_case):
    due = datetime.now(UTC) + timedelta(days=4)
    north = services.deadline_start(
        actor=investigator, kind="court_date", case=north_case, due_at=due
    )
    south = services.deadline_start(actor=outsider, kind="court_date", case=south_case, due_at=due)
    return north, south


def feed_url_for(client) -> str:
    client.post("/deadlines/feed/", {"action": "issue"})
    page = client.get("/deadlines/feed/").content.decode()
    return re.search(r'value="http://testserver(/deadlines/feed/[^"]+\.ics)"', page).group(1)


def test_the_feed_holds_my_deadlines_and_not_others(client, client_for, investigator, clocks):
    url = feed_url_for(client_for(investigator))
    response = client.get(url)  # a calendar client: not signed in
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert f"UID:{clocks[0].reference}@casework" in body
    assert str(clocks[1].reference) not in body
    assert "SOUTH-" not in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_the_token_is_stored_hashed(client_for, investigator):
    url = feed_url_for(client_for(investigator))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = CalendarFeedToken.objects.get(user=investigator)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash


def test_the_address_is_shown_once(client_for, investigator):
    signed_in = client_for(investigator)
    feed_url_for(signed_in)
    assert ".ics" not in signed_in.get("/deadlines/feed/").content.decode()


def test_revoked_and_regenerated_addresses_stop_working(client, client_for, investigator, clocks):
    signed_in = client_for(investigator)
    first = feed_url_for(signed_in)
    second = feed_url_for(signed_in)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    signed_in.post("/deadlines/feed/", {"action": "revoke"})
    assert client.get(second).status_code == 404


def test_an_unknown_token_is_404(client):
    assert client.get("/deadlines/feed/not-a-real-token.ics").status_code == 404


def test_the_outsiders_feed_has_none_of_north(client, client_for, outsider, clocks):
    body = client.get(feed_url_for(client_for(outsider))).content.decode()
    assert str(clocks[0].reference) not in body
    assert str(clocks[1].reference) in body


def test_a_deactivated_users_feed_stops(client, client_for, investigator, clocks):
    url = feed_url_for(client_for(investigator))
    investigator.is_active = False
    investigator.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404

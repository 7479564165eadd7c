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


def events_of(body: str) -> dict[str, list[str]]:
    """Each event's unfolded property lines, by UID."""
    unfolded = body.replace("\r\n ", "")
    events = {}
    for block in unfolded.split("BEGIN:VEVENT\r\n")[1:]:
        lines = block.split("END:VEVENT")[0].strip().split("\r\n")
        uid = next(line for line in lines if line.startswith("UID:"))
        events[uid.removeprefix("UID:").removesuffix("@casework")] = lines
    return events


def test_events_are_instants_with_a_status_rfc_5545_allows(
    client, client_for, investigator, supervisor, north_case, clocks
):
    now = datetime.now(UTC)
    started = {
        state: services.deadline_start(
            actor=investigator,
            kind="court_date",
            case=north_case,
            starts_at=now - timedelta(days=2),
            due_at=now + timedelta(days=3),
        )
        for state in ("met", "waived", "missed", "extended")
    }
    services.deadline_meet(actor=investigator, deadline=started["met"])
    services.deadline_waive(actor=supervisor, deadline=started["waived"], reason="Hearing moved")
    type(started["missed"]).objects.filter(pk=started["missed"].pk).update(state="missed")
    extension = services.deadline_extend(
        actor=investigator,
        deadline=started["extended"],
        new_due_at=now + timedelta(days=9),
        reason="Hearing adjourned",
    )
    events = events_of(client.get(feed_url_for(client_for(investigator))).content.decode())
    assert not [line for lines in events.values() for line in lines if line.startswith("DTEND")]
    assert all(sum(line.startswith("DTSTART:") for line in lines) == 1 for lines in events.values())

    def status(deadline):
        lines = events[str(deadline.reference)]
        return (
            next(line for line in lines if line.startswith("STATUS:")),
            next(line for line in lines if line.startswith("CATEGORIES:")),
        )

    assert status(clocks[0]) == ("STATUS:CONFIRMED", "CATEGORIES:Open")
    assert status(started["met"]) == ("STATUS:CONFIRMED", "CATEGORIES:Met")
    assert status(started["missed"]) == ("STATUS:CONFIRMED", "CATEGORIES:Missed")
    assert status(started["waived"]) == ("STATUS:CANCELLED", "CATEGORIES:Waived")
    assert status(started["extended"]) == ("STATUS:CANCELLED", "CATEGORIES:Extended")
    assert status(extension) == ("STATUS:CONFIRMED", "CATEGORIES:Open")


def test_links_name_the_host_the_feed_was_read_from(client, investigator, clocks, settings):
    settings.ALLOWED_HOSTS = ["casework.unit.example"]
    settings.CASEWORK_BASE_URL = "http://127.0.0.1:8000"
    token = services.calendar_feed_token_issue(actor=investigator)
    url = f"/deadlines/feed/{token}.ics"
    body = client.get(url, HTTP_HOST="casework.unit.example", secure=True).content.decode()
    link = f"https://casework.unit.example/deadlines/{clocks[0].reference}/"
    assert f"URL:{link}" in body.replace("\r\n ", "")
    assert "127.0.0.1" not in body

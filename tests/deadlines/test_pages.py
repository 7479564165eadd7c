"""Pages: my deadlines, calendar, unit board, a deadline and its actions; outsiders get 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from casework.deadlines import services
from casework.deadlines.models import Deadline

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def clocks(investigator, north_case):
    with time_machine.travel(NOW - timedelta(days=5), tick=False):
        late = services.deadline_start(
            actor=investigator,
            kind="legal_process_response",
            case=north_case,
            due_at=NOW - timedelta(days=1),
            note="Synthetic note",
        )
        soon = services.deadline_start(
            actor=investigator, kind="court_date", case=north_case, due_at=NOW + timedelta(days=2)
        )
    return {"late": late, "soon": soon}


@time_machine.travel(NOW, tick=False)
def test_my_deadlines_show_overdue_first_with_time_left_in_words(
    client_for, investigator, clocks, django_assert_max_num_queries
):
    client = client_for(investigator)
    with django_assert_max_num_queries(12):
        page = client.get("/deadlines/").content.decode()
    late = page.index("Response to legal process")
    soon = page.index("Court date")
    review = page.index("Case review")
    assert late < soon < review
    assert "Overdue" in page
    assert "in 2\xa0days" in page


@time_machine.travel(NOW, tick=False)
def test_the_outsider_sees_none_of_it(client_for, outsider, clocks):
    client = client_for(outsider)
    assert "Court date" not in client.get("/deadlines/").content.decode()
    assert "Court date" not in client.get("/deadlines/calendar/?month=2026-06").content.decode()
    deadline = clocks["soon"]
    for suffix in ("", "meet/", "waive/", "extend/"):
        method = client.get if not suffix else client.post
        assert method(f"/deadlines/{deadline.reference}/{suffix}").status_code == 404
    deadline.refresh_from_db()
    assert deadline.state == "open"


def test_the_outside_supervisor_has_no_board_of_north(client_for, outside_supervisor, clocks):
    page = client_for(outside_supervisor).get("/deadlines/board/").content.decode()
    assert "Court date" not in page


def test_the_board_is_for_supervisors(client_for, investigator):
    assert client_for(investigator).get("/deadlines/board/").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_supervisor_board_groups_by_investigator(client_for, supervisor, clocks):
    page = client_for(supervisor).get("/deadlines/board/").content.decode()
    assert "1 overdue, 1 due in the next 7 days" in page
    assert clocks["late"].owner.get_full_name() in page


@time_machine.travel(NOW, tick=False)
def test_the_calendar_places_deadlines_on_their_day(client_for, investigator, clocks):
    page = client_for(investigator).get("/deadlines/calendar/?month=2026-06").content.decode()
    assert "Deadlines in June 2026" in page
    assert "Court date" in page
    assert "2 deadlines due this month" in page


@time_machine.travel(NOW, tick=False)
def test_a_teammate_on_the_case_can_meet_it(client_for, teammate, clocks):
    deadline = clocks["soon"]
    response = client_for(teammate).post(f"/deadlines/{deadline.reference}/meet/")
    assert response.status_code == 302
    deadline.refresh_from_db()
    assert deadline.state == "met"


def test_waiving_without_reason_shows_the_error(client_for, supervisor, clocks):
    deadline = clocks["soon"]
    response = client_for(supervisor).post(
        f"/deadlines/{deadline.reference}/waive/", {"reason": ""}
    )
    assert response.status_code == 400
    assert "Enter why it no longer applies." in response.content.decode()
    deadline.refresh_from_db()
    assert deadline.state == "open"


def test_extending_leads_to_the_new_deadline(client_for, investigator, clocks):
    deadline = clocks["soon"]
    response = client_for(investigator).post(
        f"/deadlines/{deadline.reference}/extend/",
        {"new_due_at": "2026-07-01T12:00", "reason": "Hearing moved"},
    )
    deadline.refresh_from_db()
    assert deadline.state == "extended"
    assert response["Location"] == f"/deadlines/{deadline.extended_to.reference}/"


def test_a_deadline_is_created_on_a_visible_case_only(
    client_for, investigator, outsider, north_case
):
    form = {
        "case": north_case.number,
        "kind": "court_date",
        "due_at": "2027-01-15T09:30",
        "time_zone": "Europe/London",
    }
    assert client_for(outsider).post("/deadlines/new/", form).status_code == 400
    assert not Deadline.objects.filter(kind="court_date").exists()
    response = client_for(investigator).post("/deadlines/new/", form)
    assert response.status_code == 302
    created = Deadline.objects.get(kind="court_date")
    assert created.due_at == datetime(2027, 1, 15, 9, 30, tzinfo=UTC)


def test_an_unknown_time_zone_is_a_form_error(client_for, investigator, north_case):
    response = client_for(investigator).post(
        "/deadlines/new/",
        {"case": north_case.number, "kind": "case_review", "time_zone": "Nowhere/Town"},
    )
    assert response.status_code == 400
    assert "Unknown time zone" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_home_panel_lists_my_next_deadlines(client_for, investigator, clocks):
    page = client_for(investigator).get("/").content.decode()
    assert "My next deadlines" in page
    assert "Court date" in page

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.deadlines import services
from tests.cases.factories import make_case
from tests.e2e.conftest import go_to, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_investigator_renews_a_preservation_from_their_deadlines(
    page, sign_in_as, investigator, outsider
):
    case = make_case(lead=investigator, title="Synthetic case 0042")
    preservation = services.deadline_start(
        actor=investigator,
        kind="preservation_us_2703f",
        case=case,
        starts_at=datetime.now(UTC) - timedelta(days=80),
        jurisdiction="US",
        time_zone="America/New_York",
    )
    south_case = make_case(lead=outsider, title="Synthetic case south")
    services.deadline_start(
        actor=outsider,
        kind="court_date",
        case=south_case,
        due_at=datetime.now(UTC) + timedelta(days=2),
    )
    sign_in_as("inv.north")
    go_to(page, "Deadlines")
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "My deadlines"
    table = page.get_by_role("table")
    assert "Preservation expiry (18 U.S.C. 2703(f))" in table.inner_text()
    assert "Court date" not in table.inner_text()  # the south unit's clock
    screenshot(page, "deadlines-mine")
    page.get_by_role("link", name="Preservation expiry (18 U.S.C. 2703(f))").click()
    page.wait_for_load_state()
    page.get_by_label("Reason").fill("Legal process being prepared")
    page.get_by_role("button", name="Extend").click()
    page.wait_for_load_state()
    assert "Extended: this is the new deadline." in page.content()
    assert page.get_by_role("heading", level=1).inner_text() == "Renewed preservation expiry"
    preservation.refresh_from_db()
    assert preservation.state == "extended"
    screenshot(page, "deadlines-renewed")


def test_the_month_calendar_and_the_home_panel(page, sign_in_as, investigator):
    case = make_case(lead=investigator, title="Synthetic case 0043")
    services.deadline_start(
        actor=investigator,
        kind="court_date",
        case=case,
        due_at=datetime.now(UTC) + timedelta(hours=30),
    )
    sign_in_as("inv.north")
    panel = page.get_by_role("region", name="My next deadlines")
    assert "Court date" in panel.inner_text()
    panel.get_by_role("link", name="Calendar").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Deadlines in")
    screenshot(page, "deadlines-calendar")

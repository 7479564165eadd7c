"""The oversight dashboard in a real browser: a chart and the table under it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import go_to, screenshot
from tests.oversight.conftest import history  # noqa: F401 - the generated history fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARCH = "/oversight/?preset=custom&start=2026-03-01&end=2026-03-31"


def test_a_supervisor_reads_a_chart_and_its_table(page, sign_in_as, history):  # noqa: F811
    sign_in_as("sup.north")
    go_to(page, "Oversight")
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Oversight: North Unit"
    page.goto(MARCH)
    section = page.locator("#figure-referrals_weekly")
    chart = section.get_by_role("img", name="Referrals received and triaged per week")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    # The chart draws what the table says: one dot per week and series.
    assert section.locator("svg circle").count() == 2 * 6
    table = section.get_by_role("table")
    week = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="02 Mar 2026"))
    cells = week.get_by_role("cell").all_inner_texts()
    assert cells[:2] == ["3", "3"]
    section.scroll_into_view_if_needed()
    assert screenshot(page, "oversight-dashboard-sup-north").stat().st_size > 0


def test_an_investigator_finds_no_dashboard(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    assert page.get_by_role("link", name="Oversight", include_hidden=True).count() == 0
    response = page.goto("/oversight/")
    assert response is not None and response.status == 404

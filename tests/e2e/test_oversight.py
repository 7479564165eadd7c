"""The oversight dashboard in a real browser: a chart and the table under it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import ARTIFACTS, go_to, screenshot
from tests.oversight.conftest import history  # noqa: F401 - the generated history fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARCH = "/oversight/?preset=custom&start=2026-03-01&end=2026-03-31"
PHONE = {"width": 390, "height": 844}


def screenshot_path(name: str):
    """The top of the page only: the all-units dashboard is many screens long."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


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


def test_an_administrator_reads_the_computed_figures_and_recomputes_them(
    page,
    sign_in_as,
    history,  # noqa: F811
    investigator,
):
    from django.utils import timezone

    from casework.oversight.figures.common import week_label
    from casework.oversight.snapshots import refresh_every_unit
    from tests.referrals.factories import make_referral

    refresh_every_unit()  # what the scheduler does every five minutes
    # Arrives after the figures were computed.
    make_referral(actor=investigator, received_at=timezone.now() - timedelta(minutes=1))
    today = timezone.localdate()
    this_week = week_label(today - timedelta(days=today.weekday()))

    sign_in_as("admin")
    go_to(page, "Oversight")
    page.get_by_label("Period", exact=True).select_option(label="Last 52 weeks")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Oversight: All units"
    note = page.locator("main p", has_text="Figures computed at")
    assert note.is_visible()
    week = (
        page.locator("#table-referrals_weekly")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=this_week))
    )
    assert week.get_by_role("cell").first.inner_text() == "0"
    for name, size in (("laptop", {"width": 1366, "height": 768}), ("phone", PHONE)):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot_path(f"oversight-all-units-{name}")))

    page.get_by_role("link", name="Recompute now").click()
    page.wait_for_load_state()
    assert page.get_by_label("Period", exact=True).input_value() == "52w"
    assert week.get_by_role("cell").first.inner_text() == "1"
    assert "(0\xa0minutes ago)" in note.inner_text()

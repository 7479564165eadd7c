"""Retention in the browser: a supervisor's review queue, a refused retain said at the top and
at the field, disposal asked by one supervisor and approved by another, the tombstone on the
case's page, a legal hold, and the administrator's schedule. Screenshots at 1,366 and 390 px."""

from __future__ import annotations

import pytest

from casework.cases import services as case_services
from tests.cases.factories import make_case
from tests.e2e.conftest import go_to
from tests.e2e.test_case_templates import _migrated_content, look  # noqa: F401
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _closed(investigator, supervisor, title):
    case = make_case(lead=investigator, title=title)
    case_services.case_close_request(
        actor=investigator, case=case, reason="Synthetic reason", outcome="no_further_action"
    )
    return case_services.case_close_approve(actor=supervisor, case=case)


def test_two_supervisors_dispose_of_a_closed_case(
    page, sign_in_as, investigator, supervisor, north
):
    UserFactory(username="sup2.north", unit=north, roles=["supervisor"])
    case = _closed(investigator, supervisor, "Synthetic closed case 0042")
    held = _closed(investigator, supervisor, "Synthetic closed case 0043")

    sign_in_as("sup.north")
    go_to(page, "Retention")
    assert case.number in page.locator("main").inner_text()
    look(page, "retention-queue")

    page.get_by_role("link", name=f"Decide the review of {case.number}").click()
    page.wait_for_load_state()
    page.get_by_label("Why the record is kept").fill("Linked enquiry")
    page.get_by_role("button", name="Retain until the next review").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert "Enter the date of the next review." in summary.inner_text()
    look(page, "retention-review-error")

    page.get_by_label("Why it can be disposed of").fill("The period passed; nothing is pending.")
    page.get_by_role("button", name="Ask for disposal").click()
    page.wait_for_load_state()
    assert "another supervisor approves it" in page.locator(".usa-alert--success").inner_text()

    page.get_by_role("link", name="Place a legal hold").click()
    page.wait_for_load_state()
    page.get_by_label("Case number or referral number").fill(held.number)
    page.get_by_label("Why it must be kept").fill("Appeal pending")
    page.get_by_label("Authority").fill("Court order 2026/0042")
    page.get_by_role("button", name="Place the hold").click()
    page.wait_for_load_state()
    assert "Court order 2026/0042" in page.locator("main").inner_text()
    look(page, "retention-hold")
    page.context.clear_cookies()

    sign_in_as("sup2.north")
    go_to(page, "Retention")
    page.get_by_role("link", name="Approve or turn down this disposal").click()
    page.wait_for_load_state()
    look(page, "retention-disposal")
    page.get_by_role("button", name=f"Approve and dispose of {case.number}").click()
    page.wait_for_load_state()
    assert "was disposed of" in page.locator("main").inner_text()
    look(page, "retention-tombstone")
    page.goto(f"/cases/{case.number}/")
    assert "was disposed of" in page.locator("main").inner_text()
    assert "Synthetic closed case 0042" not in page.content()
    look(page, "case-disposed")


def test_the_administrator_edits_the_schedule(page, sign_in_as, administrator):
    sign_in_as("admin")
    go_to(page, "Retention schedule")
    look(page, "retention-schedule")
    page.get_by_role("link", name="Change Referral declined").click()
    page.wait_for_load_state()
    page.get_by_label("Review after (months)").fill("18")
    page.get_by_label("Basis").fill("Force policy 2027")
    page.get_by_role("button", name="Put the new version in force").click()
    page.wait_for_load_state()
    assert "version 2 is in force" in page.locator(".usa-alert--success").inner_text()
    assert "18 months" in page.locator("main").inner_text()

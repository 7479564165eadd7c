"""The walk an investigator takes: a referral accepted into a new case, a deadline added from
the case and seen in its header, then closure requested and its checklist read. Screenshots at
1,366 and 390 px land in test-artifacts/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import screenshot
from tests.referrals.factories import make_referral

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def shoot_both(page, name: str) -> None:
    page.set_viewport_size(LAPTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name} scrolls sideways at 390 px"
    page.set_viewport_size(LAPTOP)


def test_referral_to_case_to_deadline_to_closure_checklist(page, sign_in_as, investigator):
    make_referral(actor=investigator, source_reference="E2E-WALK-0001", priority="P2")
    sign_in_as("inv.north")
    page.goto("/referrals/")
    page.get_by_role("link", name="E2E-WALK-0001").click()
    page.get_by_role("button", name="Start triage").click()
    page.wait_for_load_state()
    page.get_by_label("Title of the new case (neutral)").fill("Synthetic case 0042")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()

    # Landed on the new case, not back on the referral; the header says where it came from.
    assert "/cases/NORTH-" in page.url
    facts = page.get_by_role("definition")
    header = page.locator("dl[aria-label='Case facts']")
    assert "Referral E2E-WALK-0001" in header.inner_text()
    assert facts.count() > 5

    page.get_by_role("link", name="+ deadline").click()
    page.wait_for_load_state()
    assert page.get_by_label("Case number").input_value().startswith("NORTH-")
    page.get_by_label("Kind").select_option("court_date")
    due = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Due (leave empty to use the rule)").fill(due)
    page.get_by_role("button", name="Start deadline").click()
    page.wait_for_load_state()

    assert "/cases/NORTH-" in page.url and "/deadlines/" not in page.url
    next_deadline = header.locator("dt:has-text('Next deadline') + dd").inner_text()
    assert "Court date" in next_deadline and "(in 1\xa0day" in next_deadline
    shoot_both(page, "case-workspace")
    case_url = page.url

    page.get_by_role("link", name="Chronology", exact=True).first.click()
    page.wait_for_load_state()
    assert "accepted" in page.content().lower()
    shoot_both(page, "case-chronology")

    page.goto(case_url)
    page.get_by_role("button", name="Request closure").click()
    page.get_by_role("link", name="see what is still open first").click()
    page.wait_for_load_state()
    checklist = page.locator("main").inner_text()
    assert "court dates" in checklist.lower() and "Reason to carry it past closure" in checklist
    shoot_both(page, "case-closure-checklist")

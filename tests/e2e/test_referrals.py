from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import go_to, screenshot
from tests.referrals.factories import make_referral

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_investigator_triages_a_referral_into_a_new_case(
    page, sign_in_as, investigator, outsider
):
    now = timezone.now()
    make_referral(
        actor=investigator,
        source_reference="E2E-LATER",
        priority="P4",
        received_at=now - timedelta(hours=1),
    )
    make_referral(
        actor=investigator,
        source_reference="E2E-URGENT",
        priority="P1",
        received_at=now - timedelta(hours=30),
    )
    make_referral(actor=outsider, source_reference="E2E-SOUTH")
    sign_in_as("inv.north")
    go_to(page, "Referrals")
    page.wait_for_load_state()
    rows = page.locator("table.referral-queue tbody tr")
    assert rows.count() == 2
    assert "E2E-URGENT" in rows.nth(0).inner_text()
    assert "overdue by" in rows.nth(0).inner_text()
    assert "E2E-SOUTH" not in page.content()

    page.get_by_role("link", name="E2E-URGENT").click()
    page.get_by_role("button", name="Start triage").click()
    page.wait_for_load_state()
    assert "Triage started." in page.get_by_role("status").inner_text()
    assert page.locator("#referral-status").inner_text().startswith("In triage")

    page.get_by_label("Title of the new case (neutral)").fill("Synthetic case from E2E")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert "Accepted into case NORTH-" in page.get_by_role("status").inner_text()
    # Accepting lands on the new case; the referral is one link away, in its header.
    assert "/cases/NORTH-" in page.url
    page.get_by_role("link", name="Referral E2E-URGENT").click()
    page.wait_for_load_state()
    assert page.locator("#referral-status").inner_text().startswith("Accepted into a case")
    assert page.get_by_role("button", name="Decline").count() == 0
    screenshot(page, "referral-accepted-inv-north")

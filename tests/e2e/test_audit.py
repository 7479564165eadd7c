from __future__ import annotations

import pytest

from casework.audit.services import audit_record
from tests.e2e.conftest import go_to, screenshot

PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_auditor_finds_a_person_s_failed_sign_in_and_follows_the_flag(
    page, sign_in_as, auditor, investigator
):
    audit_record(
        actor=None,
        action="auth.sign_in_failed",
        outcome="refused",
        details={"username": "inv.north"},
    )
    sign_in_as("auditor")
    assert "Audit ledger" in page.content()
    go_to(page, "Audit flags")
    # The flags table stacks at phone width instead of scrolling its Events column away.
    for name, size in (("laptop", {"width": 1366, "height": 768}), ("phone", PHONE)):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"audit-flags-{name}")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_role("link", name="Failed sign-ins").click()
    rows = page.locator("tbody tr")
    assert "auth.sign_in_failed" in rows.first.inner_text()
    page.get_by_label("Person (username)").fill("auditor")
    # The header has a search button too: this is the filter form's, in the page itself.
    page.get_by_role("main").get_by_role("button", name="Search").click()
    assert "auth.sign_in" in page.content()
    screenshot(page, "audit-search")


def test_an_investigator_does_not_find_the_audit_trail(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    assert page.get_by_role("link", name="Audit trail", include_hidden=True).count() == 0
    response = page.goto("/audit/")
    assert response.status == 404

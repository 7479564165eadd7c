from __future__ import annotations

import pytest

from casework.cases import services
from tests.cases.factories import make_case
from tests.e2e.conftest import go_to, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_investigator_opens_a_case_and_an_identifier_meets_another_units_case(
    page, sign_in_as, investigator, outsider
):
    south = make_case(lead=outsider, title="Synthetic south case 0007")
    services.case_identifier_add(
        actor=outsider, case=south, kind="email", raw="user_8812@example.org"
    )

    sign_in_as("inv.north")
    go_to(page, "My cases")
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Title (neutral)").fill("Synthetic case 0042")
    page.get_by_label("Priority").select_option("P2")
    page.get_by_role("button", name="Open case").click()
    assert "opened" in page.content()
    page.get_by_role("link", name="Identifiers", exact=True).click()
    page.get_by_label("Kind").select_option("email")
    page.get_by_label("Value, as the source gave it").fill("User_8812@Example.org")
    page.get_by_role("button", name="Add identifier").click()
    result = page.get_by_role("status").filter(has_text="Deconfliction").inner_text()
    assert "South Unit" in result and outsider.email in result
    assert south.number not in page.content() and "Synthetic south case" not in page.content()
    screenshot(page, "cases-deconfliction")


def test_an_outsider_gets_not_found(page, sign_in_as, investigator, outsider):
    case = make_case(lead=investigator, title="Synthetic case 0043")
    sign_in_as("inv.south")
    response = page.goto(f"/cases/{case.number}/")
    assert response.status == 404
    page.goto("/cases/")
    assert case.number not in page.content()

from __future__ import annotations

import pytest

from tests.cases.factories import make_case
from tests.e2e.conftest import screenshot
from tests.partners.factories import make_agency, make_contact, make_request

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_investigator_logs_a_call_and_answers_a_request(page, sign_in_as, investigator):
    case = make_case(lead=investigator, title="Synthetic case 0042")
    agency = make_agency(actor=investigator, name="Example Police Service", country="FR")
    make_contact(actor=investigator, agency=agency, name="Camille Exemple")
    request = make_request(actor=investigator, agency=agency, case=case)

    sign_in_as("inv.north")
    page.goto(f"/partners/cases/{case.number}/")
    page.get_by_role("link", name="Log a communication").click()
    page.get_by_label("Direction").select_option(label="Outgoing")
    page.get_by_label("Channel").select_option(label="Telephone")
    page.get_by_label("Agency").select_option(label="Example Police Service (FR)")
    page.get_by_label("Summary").fill("Called the duty officer about synthetic request 0042")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    # No handling code on something sent out: the page says so and keeps the input.
    assert "a handling code is required" in page.content()
    page.get_by_label("Handling code").select_option(label="Law enforcement only")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    row = page.get_by_role("row", name="Called the duty officer")
    assert "Law enforcement only" in row.inner_text()

    page.get_by_role("link", name="Preservation request").click()
    page.get_by_label("Status").select_option(label="Sent")
    page.get_by_label("Reference at the other side").fill("FR-0042")
    page.get_by_role("button", name="Update request").click()
    page.wait_for_load_state()
    assert page.locator("#request-status").inner_text() == "Sent"
    page.get_by_label("Status").select_option(label="Fulfilled")
    page.get_by_role("button", name="Update request").click()
    page.wait_for_load_state()
    assert page.locator("#request-status").inner_text() == "Fulfilled"
    request.refresh_from_db()
    assert request.external_reference == "FR-0042"
    assert screenshot(page, "partners-request-fulfilled").stat().st_size > 0

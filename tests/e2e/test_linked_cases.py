"""Linking a deconfliction hit from the case page: the link shows on both cases, and to
whoever cannot see the other case only its unit and lead. Screenshots at 1,366 and 390 px."""

from __future__ import annotations

import pytest

from casework.cases import services as case_services
from tests.cases.factories import make_case
from tests.e2e.test_case_templates import _migrated_content, look  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_deconfliction_hit_is_linked_and_stays_masked(page, sign_in_as, investigator, outsider):
    north = make_case(lead=investigator, title="Synthetic north case 0042")
    south = make_case(lead=outsider, title="Synthetic south case 0099")
    case_services.case_identifier_add(
        actor=outsider, case=south, kind="email", raw="user_8812@example.invalid"
    )
    case_services.case_identifier_add(
        actor=investigator, case=north, kind="email", raw="user_8812@example.invalid"
    )

    sign_in_as("inv.north")
    page.goto(f"/cases/{north.number}/")
    section = page.locator("#linked-cases")
    assert "A case of South Unit you cannot see" in section.inner_text()
    section.get_by_label("What links them").first.select_option("same_subject")
    section.get_by_role("button", name="Link these cases").click()
    page.wait_for_load_state()
    text = page.locator("#linked-cases").inner_text()
    assert "Same subject: a case of South Unit that you cannot see" in text
    assert south.number not in page.content() and south.title not in page.content()
    look(page, "case-linked-cases")
    page.context.clear_cookies()

    sign_in_as("inv.south")
    page.goto(f"/cases/{south.number}/")
    text = page.locator("#linked-cases").inner_text()
    assert "a case of North Unit that you cannot see" in text
    assert north.number not in page.content() and north.title not in page.content()


def test_a_supervisor_merges_a_duplicate_and_hands_a_case_to_another_unit(
    page, sign_in_as, investigator, supervisor, outsider, outside_supervisor
):
    original = make_case(lead=investigator, title="Synthetic original 0042")
    duplicate = make_case(lead=investigator, title="Synthetic duplicate 0042")

    sign_in_as("sup.north")
    page.goto(f"/cases/{duplicate.number}/")
    section = page.locator("#linked-cases")
    section.locator("summary", has_text="Link another case").click()
    section.get_by_label("Case number").fill(original.number)
    section.locator("#link-kind").select_option("duplicate_of")
    section.get_by_role("button", name="Link", exact=True).click()
    page.wait_for_load_state()
    section = page.locator("#linked-cases")
    section.locator("summary", has_text="Merge").click()
    section.get_by_label("Why they are one case").fill("The same report opened twice.")
    section.get_by_role("button", name=f"Merge into {original.number}").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/cases/{original.number}/")
    assert "is merged into" in page.locator(".usa-alert--success").inner_text()

    section = page.locator("#linked-cases")
    section.locator("summary", has_text="Transfer to another unit").click()
    section.get_by_label("Hand the case to").select_option(label="South Unit")
    section.get_by_label("Why this unit should take it").fill("The suspect lives in the south.")
    section.get_by_role("button", name="Offer the case").click()
    page.wait_for_load_state()
    assert "awaiting their answer" in page.locator("#linked-cases").inner_text()
    look(page, "case-offered-to-another-unit")
    page.context.clear_cookies()

    sign_in_as("sup.south")
    page.goto("/linked_cases/transfers/")
    look(page, "transfers-incoming")
    page.get_by_label("New lead in your unit").select_option(label=outsider.username)
    page.get_by_role("button", name=f"Accept {original.number}").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/cases/{original.number}/")
    assert "South Unit" in page.locator("main").inner_text()
    page.context.clear_cookies()

    sign_in_as("sup.north")
    page.goto("/linked_cases/transfers/")
    assert "Accepted" in page.locator("main").inner_text()
    look(page, "transfers-stub")

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

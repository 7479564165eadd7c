"""A referral of a templated incident type accepted into a case: the case opens with the
template's tasks, clocks and checklist; items are ticked; closure lists what is unresolved.
Screenshots at 1,366 and 390 px land in test-artifacts/ for a person to look at."""

from __future__ import annotations

import pytest

from casework.referrals.models import IncidentType
from tests.case_templates.factories import make_template
from tests.e2e.conftest import screenshot
from tests.e2e.test_layout import axe_findings
from tests.referrals.factories import make_referral

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _migrated_content(live_server, transactional_db):
    # See test_layout.py: content types and permissions are restored after a flush.
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    if not ContentType.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.clear_cache()


def look(page, name: str) -> None:
    """Both widths, nothing sideways at 390 px, nothing critical or serious for axe."""
    serious = [f for f in axe_findings(page) if f["impact"] in ("critical", "serious")]
    assert not serious, serious
    page.set_viewport_size(LAPTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name} scrolls sideways at 390 px"
    page.set_viewport_size(LAPTOP)


def test_a_templated_referral_opens_a_case_with_its_steps_and_closure_lists_the_rest(
    page, sign_in_as, investigator, administrator
):
    template = make_template(
        admin=administrator,
        name="Online enticement: first steps",
        incident_type=IncidentType.objects.get(code="online-enticement"),
    )
    make_referral(
        actor=investigator,
        source_reference="E2E-TEMPLATE-0001",
        incident_type="online-enticement",
    )

    # The administrator's pages: the list, the template, its editor.
    sign_in_as("admin")
    page.goto("/case_templates/")
    look(page, "case-templates-list")
    page.get_by_role("link", name=template.name).click()
    page.wait_for_load_state()
    assert "Version" in page.content()
    look(page, "case-template-detail")
    page.get_by_role("link", name="Edit the template").click()
    page.wait_for_load_state()
    page.get_by_label("Checklist").fill("Data preserved | request:nothing")
    page.get_by_role("button", name="Save template").click()
    page.wait_for_load_state()
    summary = page.locator(".usa-alert--error")
    assert "Item 1" in summary.inner_text()
    look(page, "case-template-edit-error")
    page.context.clear_cookies()

    sign_in_as("inv.north")
    page.goto("/referrals/")
    page.get_by_role("link", name="E2E-TEMPLATE-0001").click()
    page.get_by_role("button", name="Start triage").click()
    page.wait_for_load_state()
    page.get_by_label("Title of the new case (neutral)").fill("Synthetic case 0043")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()

    assert "/cases/NORTH-" in page.url
    checklist = page.locator("#checklist")
    assert "(4 not done of 4)" in checklist.inner_text()
    assert "Online enticement: first steps, version 1" in checklist.inner_text()
    assert "(2 open of 2)" in page.locator("#tasks").inner_text()
    deadlines = page.locator("#deadlines").inner_text()
    assert "Safeguarding review" in deadlines
    assert "national database / ICSE" in deadlines
    look(page, "case-with-checklist")
    case_url = page.url

    # Done by hand.
    told = page.locator("#checklist li").filter(has_text="The source is told the case number")
    told.get_by_role("button", name="Done").click()
    page.wait_for_load_state()
    assert "is now done" in page.locator(".usa-alert--success").inner_text()
    # Not applicable without a reason: said at the top and at the field; then with one.
    item = page.locator("#checklist li").filter(has_text="The provider's data is preserved")
    item.locator("summary").click()
    item.get_by_role("button", name="Mark not applicable").click()
    page.wait_for_load_state()
    assert page.locator(".usa-alert--error").count() == 1
    assert "Say why this does not apply" in page.locator(".usa-error-message").inner_text()
    look(page, "checklist-item-error")
    page.get_by_label("Why it does not apply").fill("The provider keeps no data for this service.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "(2 not done of 4)" in page.locator("#checklist").inner_text()

    page.goto(case_url)
    page.get_by_role("button", name="Request closure").click()
    page.get_by_role("link", name="see what is still open first").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "open checklist items" in text.lower()
    assert "The safeguarding review is held" in text
    assert "Exhibits are recorded in custody" in text
    assert "The source is told the case number" not in text
    assert "The provider's data is preserved" not in text
    look(page, "closure-with-checklist")

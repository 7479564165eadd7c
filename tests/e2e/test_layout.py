"""The UI as a product: every page a role reaches from its navigation, on a laptop and on a
phone, is accessible (axe-core: no critical or serious finding), fits the screen, and keeps the
header small; error pages lead somewhere; forms announce their errors.

Screenshots land in test-artifacts/ (1,366 px and 390 px wide) for a person to look at; axe's
moderate and minor findings are written to test-artifacts/axe-<role>.txt.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.cases.factories import make_case
from tests.custody.factories import make_item, make_store
from tests.deadlines.factories import make_deadline
from tests.e2e.conftest import ARTIFACTS, go_to, screenshot
from tests.partners.factories import make_agency, make_contact
from tests.referrals.factories import make_referral

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _migrated_content(live_server, transactional_db):
    # See test_custody.py: content types and permissions are restored after a flush.
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    if not ContentType.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    ContentType.objects.clear_cache()


@pytest.fixture
def user_manager(administrator):
    """The administrator as bootstrap and seed_demo make them: their role's group carries the
    admin pages for users and units (casework/accounts/roles.py)."""
    from casework.accounts.services import roles_ensure

    roles_ensure()
    return administrator


@pytest.fixture
def records(investigator, teammate, supervisor, auditor, user_manager):
    """One of each kind of record, so record pages are visited too."""
    case = make_case(lead=investigator, assignees=[teammate], title="Synthetic case 0042")
    referral = make_referral(actor=investigator, source_reference="LAYOUT-0001")
    item = make_item(case=case, store=make_store(admin=user_manager), actor=investigator)
    deadline = make_deadline(
        actor=investigator, case=case, due_at=datetime.now(UTC) + timedelta(days=3)
    )
    agency = make_agency(actor=supervisor, name="Example Police Service 042")
    contact = make_contact(actor=supervisor, agency=agency)
    return {
        "case": f"/cases/{case.number}/",
        "case-identifiers": f"/cases/{case.number}/identifiers/",
        "case-evidence": f"/custody/cases/{case.number}/",
        "case-partners": f"/partners/cases/{case.number}/",
        "referral": f"/referrals/{referral.pk}/",
        "item": f"/custody/items/{item.public_id}/",
        "event-form": f"/custody/items/{item.public_id}/events/new/",
        "deadline": f"/deadlines/{deadline.reference}/",
        "agency": f"/partners/agencies/{agency.pk}/",
        "contact": f"/partners/contacts/{contact.pk}/",
        "intake": "/referrals/new/",
    }


def nav_urls(page) -> list[str]:
    nav = page.get_by_role("navigation", name="Main")
    hrefs = nav.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return list(dict.fromkeys(href for href in hrefs if href.startswith("/")))


def axe_findings(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result
    ]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def header_height(page) -> float:
    return page.evaluate(
        "(() => { const header = document.querySelector('header.usa-header');"
        " return header.getBoundingClientRect().bottom; })()"
    )


def slug(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


def visit_everything(page, role: str, extra: list[str]) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    # The header never wraps on a laptop: every menu on one row.
    tops = page.locator(".usa-nav__primary > li").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, f"the header wraps at 1,366 px: {tops}"
    paths = ["/", *nav_urls(page), *extra]
    problems, notes = [], []
    for path in paths:
        page.set_viewport_size(LAPTOP)
        response = page.goto(path)
        assert response is not None and response.status < 400, (path, response and response.status)
        if path.startswith("/admin/"):
            continue  # Django's own admin pages are not restyled
        screenshot(page, f"{role}-{slug(path)}-1366")
        for finding in axe_findings(page):
            if finding["impact"] in ("critical", "serious"):
                problems.append((path, finding))
            else:
                notes.append((path, finding))
        page.set_viewport_size(PHONE)
        page.reload()
        screenshot(page, f"{role}-{slug(path)}-390")
        if not fits_the_phone(page):
            problems.append((path, "scrolls sideways at 390 px"))
        if header_height(page) > 120:
            problems.append((path, f"header and notice take {header_height(page)} px at 390 px"))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{role}.txt").write_text(
        "\n".join(f"{path}: {json.dumps(finding)}" for path, finding in notes)
    )
    assert not problems, json.dumps(problems, indent=1)


def test_an_investigator_s_pages_are_accessible_and_fit_a_phone(page, sign_in_as, records):
    sign_in_as("inv.north")
    visit_everything(page, "investigator", [records[key] for key in records])


def test_a_supervisor_s_pages_are_accessible_and_fit_a_phone(page, sign_in_as, records):
    sign_in_as("sup.north")
    visit_everything(page, "supervisor", [records["case"], records["deadline"], records["agency"]])


def test_an_auditor_s_pages_are_accessible_and_fit_a_phone(page, sign_in_as, records):
    sign_in_as("auditor")
    visit_everything(page, "auditor", [])


def test_an_administrator_s_pages_are_accessible_and_fit_a_phone(page, sign_in_as, records):
    sign_in_as("admin")
    visit_everything(page, "administrator", [])


def test_the_administrator_reaches_user_and_unit_management_from_the_menu(
    page, sign_in_as, user_manager
):
    sign_in_as("admin")
    go_to(page, "Users")
    assert "/admin/accounts/user/" in page.url
    page.goto("/")
    go_to(page, "Units")
    assert "/admin/accounts/unit/" in page.url


def test_on_a_phone_the_menu_hides_behind_a_button(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    page.set_viewport_size(PHONE)
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.get_by_role("button", name="Menu").click()
    assert nav.is_visible()
    go_to(page, "My cases")
    assert page.get_by_role("heading", level=1).inner_text() == "My cases"


def test_the_sign_in_page_is_accessible_and_fits_a_phone(page):
    page.goto("/accounts/sign-in/")
    findings = [f for f in axe_findings(page) if f["impact"] in ("critical", "serious")]
    assert findings == []
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_phone(page)
    screenshot(page, "sign-in-390")


def test_a_missing_page_keeps_the_navigation_and_a_way_home(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    response = page.goto("/cases/NORTH-1999-9999/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert page.get_by_role("navigation", name="Main").is_visible()
    page.get_by_role("link", name="Go to your home page").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
    screenshot(page, "error-404")


def test_reloading_a_form_address_leads_back_to_the_record(page, sign_in_as, investigator):
    case = make_case(lead=investigator, title="Synthetic case 0044")
    sign_in_as("inv.north")
    response = page.goto(f"/cases/{case.number}/status/")
    assert response.status == 200
    assert page.url.endswith(f"/cases/{case.number}/")
    assert "only takes a submitted form" in page.get_by_role("status").inner_text()


def test_an_error_summary_lists_each_problem_and_takes_the_focus(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    page.goto("/cases/new/")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_load_state()
    summary = page.get_by_role("alert")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    first = summary.get_by_role("link").first
    target = first.get_attribute("href")
    first.click()
    assert page.evaluate("document.activeElement.id") == target.lstrip("#")
    field_message = page.locator(f"{target} >> xpath=..").locator(".usa-error-message")
    assert field_message.first.inner_text() == first.inner_text()
    screenshot(page, "form-errors")


def test_the_custody_event_form_shows_the_fields_of_the_chosen_kind(
    page, sign_in_as, investigator, administrator
):
    case = make_case(lead=investigator, title="Synthetic case 0045")
    item = make_item(case=case, store=make_store(admin=administrator), actor=investigator)
    sign_in_as("inv.north")
    page.goto(f"/custody/items/{item.public_id}/events/new/")
    page.get_by_label("Kind").select_option("hash_verified")
    assert page.get_by_label("Tool", exact=True).is_visible()
    assert not page.get_by_label("Released by").is_visible()
    page.get_by_label("Kind").select_option("transferred")
    assert page.get_by_label("Released by").is_visible()
    assert not page.get_by_label("Tool", exact=True).is_visible()
    assert page.get_by_label("Place").is_visible()


def test_identifier_blocks_on_a_referral_are_added_one_at_a_time(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    page.goto("/referrals/new/")
    blocks = page.locator("[data-repeat-block]")
    visible = lambda: sum(blocks.nth(i).is_visible() for i in range(blocks.count()))  # noqa: E731
    assert blocks.count() > 1
    assert visible() == 1
    page.get_by_role("button", name="Add another identifier").click()
    assert visible() == 2


def test_pages_work_under_the_content_security_policy(page, sign_in_as, investigator):
    """The policy another change adds (script-src 'self'; style-src 'self'), applied here by the
    browser's own network layer: no page, menu or accordion trips it."""
    policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"

    def with_policy(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": policy}
        )

    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.route("**/*", with_policy)
    case = make_case(lead=investigator, title="Synthetic case 0046")
    sign_in_as("inv.north")
    page.goto(f"/cases/{case.number}/")
    page.get_by_role("button", name="Change status").click()
    assert page.get_by_label("New status").is_visible()
    go_to(page, "Referrals")
    page.set_viewport_size(PHONE)
    go_to(page, "My cases")
    page.goto("/referrals/new/")
    page.get_by_role("button", name="Add another identifier").click()
    assert refused == []
    # The policy is really in force: an inline style is refused.
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p id=probe style=\"color: red\">x</p>')"
    )
    assert (
        page.evaluate("getComputedStyle(document.getElementById('probe')).color")
        != "rgb(255, 0, 0)"
    )


def test_the_identifier_form_asks_for_the_details_of_the_chosen_kind(
    page, sign_in_as, investigator
):
    case = make_case(lead=investigator, title="Synthetic case 0047")
    sign_in_as("inv.north")
    page.goto(f"/cases/{case.number}/identifiers/")
    page.get_by_label("Kind").select_option("email")
    assert not page.get_by_label("Port (IP)").is_visible()
    page.get_by_label("Kind").select_option("ip_address")
    assert page.get_by_label("Port (IP)").is_visible()
    assert not page.get_by_label("Device id type").is_visible()

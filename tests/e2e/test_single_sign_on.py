"""Signing in through the agency's identity provider, in a real browser, against a real provider.

The provider (oidc-provider-mock beside the test) shows its own sign-in form, as Entra ID or
Keycloak would; the person types their identifier there and is sent back to Casework.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from casework.accounts.sso_models import ExternalIdentity
from tests.e2e.conftest import screenshot, sign_out
from tests.e2e.test_layout import axe_findings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def shoot_both(page, name: str) -> None:
    page.set_viewport_size(LAPTOP)
    screenshot(page, f"{name}-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{name} scrolls sideways at 390 px"
    )
    page.set_viewport_size(LAPTOP)


def no_serious_findings(page) -> None:
    serious = [f for f in axe_findings(page) if f["impact"] in {"critical", "serious"}]
    assert serious == []


def sign_in_at_provider(page, subject: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_role("link", name="Sign in with Agency ID").click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()


@pytest.fixture
def linked(investigator):
    ExternalIdentity.objects.create(
        user=investigator, issuer=settings.CASEWORK_OIDC_ISSUER, subject="subject-0001"
    )
    return investigator


def test_the_sign_in_page_offers_the_agency_account_first(page, sso):
    page.goto("/accounts/sign-in/")
    assert page.get_by_role("link", name="Sign in with Agency ID").is_visible()
    assert page.get_by_label("User name").is_visible()
    no_serious_findings(page)
    shoot_both(page, "sign-in-sso")


def test_a_person_signs_in_with_the_agency_account_and_out_of_both(
    page, sso, group_mapping, linked
):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["pwd", "mfa"])
    sign_in_at_provider(page, "subject-0001")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
    assert "North Unit · Investigator" in page.get_by_label("Signed in as").inner_text()

    sign_out(page)
    # Casework's page moves on to the provider's, which confirms the end of its session and
    # sends the person back.
    page.wait_for_url(f"{sso.url}/**")
    page.get_by_role("button").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/sign-in/")
    assert page.get_by_role("link", name="Sign in with Agency ID").is_visible()
    page.goto("/")
    assert page.url.split("?")[0].endswith("/accounts/sign-in/")


def test_a_password_only_sign_in_at_the_provider_leads_to_casework_s_own_second_factor(
    page, sso, group_mapping, linked
):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["pwd"])
    sign_in_at_provider(page, "subject-0001")
    assert page.get_by_role("heading", name="Two-factor sign-in").is_visible()


def test_a_person_whose_groups_do_not_map_is_told_why_and_what_to_do(
    page, sso, group_mapping, linked
):
    sso.user("subject-0001", groups=["unrelated-group"])
    sign_in_at_provider(page, "subject-0001")
    assert page.get_by_role("heading", name="You are not signed in").is_visible()
    alert = page.get_by_role("alert").inner_text()
    assert "None of your groups at the identity provider gives a role" in alert
    assert page.get_by_role("link", name="Back to the sign-in page").is_visible()
    no_serious_findings(page)
    shoot_both(page, "sign-in-sso-refused")

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_investigator_signs_in_and_sees_the_home_page(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
    assert "North Unit · Investigator" in page.get_by_label("Signed in as").inner_text()
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert screenshot(page, "home-inv-north").stat().st_size > 0


def test_a_wrong_password_is_explained_in_the_page(page, sign_in_as, investigator):
    sign_in_as("inv.north", "not-the-password")
    alert = page.get_by_role("alert").inner_text()
    assert alert.startswith("There is a problem")
    assert "The user name or password is not right" in alert
    assert page.url.endswith("/accounts/sign-in/")


def test_signing_out_returns_to_the_sign_in_page(page, sign_in_as, investigator):
    sign_in_as("inv.north")
    sign_out(page)
    page.wait_for_load_state()
    assert "You are signed out." in page.content()
    assert page.get_by_role("heading", name="Sign in").is_visible()

"""The administrators' service-account page in a browser: create an account, copy the token once,
use it against the API, rotate it; each page at laptop and phone width."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import go_to
from tests.e2e.test_passkeys import LAPTOP, look_at

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_administrator_creates_a_service_account_and_rotates_its_token(
    page, sign_in_as, administrator, north, live_server
):
    page.set_viewport_size(LAPTOP)
    sign_in_as("admin")
    go_to(page, "Service accounts")
    assert page.get_by_role("heading", name="Service accounts", level=1).is_visible()
    page.get_by_role("link", name="New service account").click()
    page.get_by_role("button", name="Create service account").click()
    summary = page.get_by_role("alert").inner_text()
    assert "Enter name" in summary
    look_at(page, "service-account-new-errors")

    page.get_by_label("Name", exact=True).fill("hotline-intake")
    page.get_by_label("What it is for").fill("Synthetic hotline feed")
    page.get_by_label("Role").select_option("investigator")
    page.get_by_label("Unit").select_option(label="North Unit")
    page.get_by_role("button", name="Create service account").click()
    assert page.get_by_role("heading", name="API token created for hotline-intake").is_visible()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("cwt_")
    look_at(page, "service-account-token-issued")

    api = page.context.request
    me = api.get(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {secret}"})
    assert me.status == 200 and me.json()["username"] == "svc-hotline-intake"

    page.get_by_role("link", name="Back to service accounts").click()
    assert secret not in page.content()
    look_at(page, "service-accounts-list")
    page.get_by_role("button", name=f"Rotate {secret[:10]}").click()
    new_secret = page.get_by_label("Token").input_value()
    assert new_secret != secret
    old = api.get(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Token {secret}"})
    assert old.status == 401

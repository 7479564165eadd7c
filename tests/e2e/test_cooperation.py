"""Deconfliction between installations in the browser: the administrator registers a partner and
opts a unit in, a supervisor reads the exchanges, the lead sees whom to call on the case and
confirms. Screenshots at 1,366 and 390 px."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.cases.services import case_identifier_add
from casework.cooperation import conf, services
from casework.cooperation.models import PointerHit
from casework.partners.models import Agency
from tests.cooperation.conftest import (  # noqa: F401
    cooperation_keys,
    partner,
    shared_case,
    sharing_north,
)
from tests.e2e.test_case_templates import _migrated_content, look  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_partner_is_registered_and_a_hit_shows_whom_to_call(
    page,
    sign_in_as,
    administrator,
    supervisor,
    investigator,
    partner,  # noqa: F811 - the fixture imported above
    shared_case,  # noqa: F811 - the fixture imported above
):
    Agency.objects.create(name="Synthetic Police Third", country="NL", kind="police")
    sign_in_as("admin")
    page.goto("/cooperation/keys/")
    page.get_by_role("button", name="Register partner").click()
    page.wait_for_load_state()
    assert page.locator(".usa-error-message, .usa-alert--error").count() >= 1
    page.get_by_label("Partner agency").select_option(label="Synthetic Police Third (NL)")
    page.get_by_label("Issuer name").fill("third.casework.invalid")
    page.get_by_label("Their public key").fill(conf.public_key_base64(Ed25519PrivateKey.generate()))
    page.get_by_role("button", name="Register partner").click()
    page.wait_for_load_state()
    assert "is registered" in page.locator(".usa-alert--success").inner_text()
    look(page, "cooperation-partner-keys")
    page.context.clear_cookies()

    case_identifier_add(
        actor=investigator, case=shared_case, kind="email", raw="user_8812@example.invalid"
    )
    services.pointers_import(
        actor=supervisor,
        source=io.BytesIO(partner.set_bytes([("email", "user_8812@example.invalid")])),
    )
    sign_in_as("sup.north")
    page.goto("/cooperation/exchanges/")
    assert "Synthetic Police Partner" in page.locator("table").inner_text()
    look(page, "cooperation-exchanges")
    page.context.clear_cookies()

    sign_in_as("inv.north")
    page.goto(f"/cases/{shared_case.number}/")
    section = page.locator("#partner-hits")
    assert "Duty Officer 0042" in section.inner_text()
    look(page, "cooperation-case-hit")
    section.get_by_role("button", name="Confirm: we spoke, it is the same").click()
    page.wait_for_load_state()
    assert "Confirmed by us" in page.locator("#partner-hits").inner_text()
    assert PointerHit.objects.get().confirmed_at is not None

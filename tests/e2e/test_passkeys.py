"""Passkeys in a real browser: Chromium's virtual authenticator (CDP WebAuthn domain) stands in
for a laptop's built-in one. Enrol, sign out, sign in with the passkey instead of a code,
remove it, and an administrator's reset; under the site's real Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from casework.audit.models import AuditEvent
from tests.e2e.conftest import screenshot, sign_out
from tests.e2e.test_layout import axe_findings, fits_the_phone, user_manager  # noqa: F401
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOME = re.compile(r"^http://localhost:\d+/$")
SECURITY = re.compile(r"^http://localhost:\d+/accounts/security/$")
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def passkey_site(page, live_server, settings):
    """Two-factor sign-in on, the relying party the live server's own address, and a virtual
    authenticator with user verification (as a laptop's fingerprint reader)."""
    settings.CASEWORK_REQUIRE_2FA = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield {"cdp": cdp, "authenticator": authenticator["authenticatorId"], "csp": refused}
    assert refused == [], "a page broke the Content-Security-Policy"


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


def password_step(page, username: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Two-factor sign-in").is_visible()


def code_step(page, device: TOTPDevice) -> None:
    page.get_by_label("Six-digit code from your authenticator app").fill(code_for(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")


def open_security_page(page) -> None:
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Account:").click()
    page.get_by_role("link", name="Sign-in and security").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Sign-in and security").is_visible()


def enrol(page, name: str, *, look: bool = False) -> None:
    page.get_by_label("Name of the passkey").fill(name)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"Add a passkey: {name}").is_visible()
    if look:
        look_at(page, "passkeys-add-step")
    page.get_by_role("button", name="Create the passkey").click()
    page.wait_for_url(SECURITY)
    assert page.get_by_role("rowheader", name=name, exact=True).is_visible()
    assert f"Passkey {name} added" in page.content()


def look_at(page, name: str) -> None:
    """Screenshots at laptop and phone width; nothing scrolls sideways, axe finds nothing bad."""
    for size, label in ((LAPTOP, "1366"), (PHONE, "390")):
        page.set_viewport_size(size)
        assert fits_the_phone(page), f"{name} scrolls sideways at {label} px"
        screenshot(page, f"{name}-{label}")
    serious = [f for f in axe_findings(page) if f["impact"] in ("critical", "serious")]
    assert serious == [], serious
    page.set_viewport_size(LAPTOP)


def test_a_person_enrols_a_passkey_signs_in_with_it_and_removes_it(
    page, passkey_site, investigator
):
    device = TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    page.set_viewport_size(LAPTOP)
    password_step(page, "inv.north")
    code_step(page, device)

    open_security_page(page)
    assert "You have no passkeys." in page.content()
    enrol(page, "Office laptop", look=True)
    credential = WebAuthnCredential.objects.get(user=investigator)
    assert credential.name == "Office laptop"
    assert AuditEvent.objects.filter(action="auth.passkey_enrolled", actor=investigator).exists()
    look_at(page, "passkeys-security-page")

    sign_out(page)
    password_step(page, "inv.north")
    look_at(page, "passkeys-second-factor-step")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(HOME)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Good to see you")
    verified = AuditEvent.objects.filter(action="auth.two_factor_verified").latest("occurred_at")
    assert verified.details["method"] == "passkey"
    assert verified.details["name"] == "Office laptop"

    open_security_page(page)
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert "Not used yet" not in page.content()
    page.get_by_role("button", name="Remove Office laptop").click()
    page.wait_for_load_state()
    # It was the second factor of this very session, which therefore asks for one again.
    assert "Passkey Office laptop removed" in page.content()
    assert "You had signed in with it" in page.content()
    assert page.get_by_role("heading", name="Two-factor sign-in").is_visible()
    assert not page.get_by_role("button", name="Use a passkey").is_visible()
    assert not WebAuthnCredential.objects.filter(user=investigator).exists()
    assert AuditEvent.objects.filter(action="auth.passkey_revoked").exists()

    sign_out(page)
    password_step(page, "inv.north")
    assert not page.get_by_role("button", name="Use a passkey").is_visible()


def test_the_sign_in_goes_where_the_person_was_heading(page, passkey_site, investigator):
    device = TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    password_step(page, "inv.north")
    code_step(page, device)
    open_security_page(page)
    enrol(page, "Office laptop")
    sign_out(page)
    page.goto("/accounts/security/")
    page.get_by_label("User name").fill("inv.north")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(SECURITY)
    assert page.get_by_role("rowheader", name="Office laptop", exact=True).is_visible()


@pytest.mark.usefixtures("user_manager")
def test_an_administrator_removes_a_persons_passkeys(
    page, passkey_site, investigator, administrator
):
    device = TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    password_step(page, "inv.north")
    code_step(page, device)
    open_security_page(page)
    enrol(page, "Office laptop")
    sign_out(page)

    admin_device = TOTPDevice.objects.create(user=administrator, name="app", confirmed=True)
    password_step(page, "admin")
    code_step(page, admin_device)
    page.goto("/admin/accounts/user/")
    page.locator(f'input[name="_selected_action"][value="{investigator.pk}"]').check()
    page.locator('select[name="action"]').select_option("reset_passkeys")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state()
    assert "Removed 1 passkey(s) of 1 account(s)" in page.content()
    assert not WebAuthnCredential.objects.filter(user=investigator).exists()
    event = AuditEvent.objects.get(action="user.passkeys_reset")
    assert event.actor_username == "admin"
    page.goto("/")
    sign_out(page)

    password_step(page, "inv.north")
    assert not page.get_by_role("button", name="Use a passkey").is_visible()
    assert page.get_by_label("Six-digit code from your authenticator app").is_visible()

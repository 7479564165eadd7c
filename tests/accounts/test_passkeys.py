"""Passkeys as a second factor (issue 25, item 4), without a browser: who may list, remove and
reset them, what is audited, and that a password alone cannot enrol one. The WebAuthn ceremonies
themselves run in Chromium with a virtual authenticator (tests/e2e/test_passkeys.py)."""

from __future__ import annotations

import os

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from casework.accounts import passkey_views, passkeys
from casework.audit.models import AuditEvent
from casework.core.errors import DomainError, NotFound
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.CASEWORK_REQUIRE_2FA = True


def make_passkey(user, name: str) -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=os.urandom(32),
        public_key=os.urandom(77),
        sign_count=0,
    )


def test_the_security_page_lists_the_persons_passkeys_only(client_for, investigator, teammate):
    make_passkey(investigator, "Office laptop")
    make_passkey(teammate, "Teammate key")
    page = client_for(investigator).get("/accounts/security/").content.decode()
    assert "Office laptop" in page
    assert "Teammate key" not in page
    assert "Not used yet" in page


def test_naming_a_passkey_leads_to_the_browser_step(client_for, investigator):
    browser = client_for(investigator)
    response = browser.post("/accounts/security/", {"name": "  Blue   security key "})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/security/passkeys/new/"
    page = browser.get(response["Location"]).content.decode()
    assert "Add a passkey: Blue security key" in page
    assert 'id="otp_webauthn_config" type="application/json"' in page
    assert "<script>" not in page  # no inline script: the policy allows 'self' only


def test_a_name_already_used_is_refused_at_the_top_and_at_the_field(client_for, investigator):
    make_passkey(investigator, "Office laptop")
    response = client_for(investigator).post("/accounts/security/", {"name": "office LAPTOP"})
    assert response.status_code == 400
    assert response.content.decode().count("You already have a passkey named office LAPTOP") == 2


def test_the_person_removes_their_own_passkey_and_it_is_audited(client_for, investigator):
    passkey = make_passkey(investigator, "Old phone")
    response = client_for(investigator).post(
        f"/accounts/security/passkeys/{passkey.pk}/remove/", follow=True
    )
    assert "Passkey Old phone removed" in response.content.decode()
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    event = AuditEvent.objects.get(action="auth.passkey_revoked")
    assert event.actor_username == "inv.north"
    assert event.details["name"] == "Old phone"


def test_nobody_removes_another_persons_passkey(client_for, investigator, teammate, outsider):
    passkey = make_passkey(investigator, "Office laptop")
    for other in (teammate, outsider):
        response = client_for(other).post(f"/accounts/security/passkeys/{passkey.pk}/remove/")
        assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    with pytest.raises(NotFound):
        passkeys.passkey_revoke(user=teammate, passkey_id=passkey.pk)


def test_an_administrator_resets_a_persons_passkeys_and_it_is_audited(investigator, administrator):
    make_passkey(investigator, "Office laptop")
    make_passkey(investigator, "Blue key")
    assert passkeys.passkeys_reset(user=investigator, actor=administrator) == 2
    assert not WebAuthnCredential.objects.filter(user=investigator).exists()
    event = AuditEvent.objects.get(action="user.passkeys_reset")
    assert event.actor_username == "admin"
    assert sorted(event.details["passkeys_removed"]) == ["Blue key", "Office laptop"]


def test_only_an_administrator_resets_passkeys(investigator, supervisor):
    make_passkey(investigator, "Office laptop")
    with pytest.raises(DomainError, match="Only an administrator"):
        passkeys.passkeys_reset(user=investigator, actor=supervisor)
    assert WebAuthnCredential.objects.filter(user=investigator).exists()


def test_the_two_factor_reset_removes_passkeys_too(investigator, administrator):
    from casework.accounts.services import two_factor_reset

    make_passkey(investigator, "Office laptop")
    two_factor_reset(user=investigator, actor=administrator)
    assert not WebAuthnCredential.objects.filter(user=investigator).exists()


def test_a_password_alone_reaches_neither_the_page_nor_enrolment(client, investigator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    response = client.get("/accounts/security/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    session = client.session
    session[passkey_views.PENDING_NAME] = "Thief's key"
    session.save()
    begin = client.post("/accounts/webauthn/registration/begin/")
    assert begin.status_code == 403
    assert begin.json()["code"] == "user_not_verified"


def test_a_password_alone_cannot_enrol_even_before_any_second_factor(client, investigator):
    # The library would let a session with no device at all enrol; a thief with the password
    # must not get there before the person enrols their authenticator app.
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    session = client.session
    session[passkey_views.PENDING_NAME] = "Thief's key"
    session.save()
    assert client.post("/accounts/webauthn/registration/begin/").status_code == 403


def test_enrolment_needs_a_name_first(client_for, investigator):
    begin = client_for(investigator).post("/accounts/webauthn/registration/begin/")
    assert begin.status_code == 400
    assert begin.json()["code"] == "name_missing"


def test_the_ceremony_offers_only_casework_as_relying_party(client_for, investigator, settings):
    browser = client_for(investigator)
    browser.post("/accounts/security/", {"name": "Office laptop"})
    options = browser.post("/accounts/webauthn/registration/begin/").json()
    assert options["rp"] == {"id": settings.OTP_WEBAUTHN_RP_ID, "name": "Casework"}
    assert options["user"]["name"] == "inv.north"


def test_the_second_factor_step_offers_the_passkey_beside_the_code(client, investigator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    make_passkey(investigator, "Office laptop")
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    page = client.get("/accounts/two-factor/").content.decode()
    assert 'id="passkey-verification-button"' in page
    assert "Or enter a code from your authenticator app" in page
    begin = client.post("/accounts/webauthn/authentication/begin/")
    assert begin.status_code == 200
    allowed = begin.json()["allowCredentials"]
    assert len(allowed) == 1


def test_a_person_without_a_passkey_sees_the_code_step_as_before(client, investigator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    page = client.get("/accounts/two-factor/").content.decode()
    assert "passkey-verification-button" not in page
    assert "Enter the code your authenticator app shows" in page


def test_a_forged_passkey_answer_is_refused_and_audited(client, investigator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    passkey = make_passkey(investigator, "Office laptop")
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    client.post("/accounts/webauthn/authentication/begin/")
    import base64

    raw = base64.urlsafe_b64encode(bytes(passkey.credential_id)).decode().rstrip("=")
    forged = {
        "id": raw,
        "rawId": raw,
        "type": "public-key",
        "response": {
            "clientDataJSON": "e30",
            "authenticatorData": "AAAA",
            "signature": "AAAA",
        },
        "clientExtensionResults": {},
    }
    response = client.post(
        "/accounts/webauthn/authentication/complete/", forged, content_type="application/json"
    )
    assert response.status_code >= 400
    assert client.get("/").status_code == 302  # still short of two-factor sign-in
    event = AuditEvent.objects.get(action="auth.two_factor_failed")
    assert event.details["method"] == "passkey"


def test_the_reset_command_can_remove_passkeys_only(investigator, administrator):
    from io import StringIO

    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    make_passkey(investigator, "Office laptop")
    out = StringIO()
    call_command("two_factor_reset", "inv.north", "--actor", "admin", "--passkeys-only", stdout=out)
    assert out.getvalue().strip() == "Removed 1 passkey(s) of inv.north."
    assert not WebAuthnCredential.objects.filter(user=investigator).exists()
    assert TOTPDevice.objects.filter(user=investigator, confirmed=True).exists()
    assert AuditEvent.objects.get(action="user.passkeys_reset").actor_username == "admin"

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.CASEWORK_REQUIRE_2FA = True


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_a_password_alone_does_not_open_casework(client, investigator):
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_first_sign_in_enrols_an_authenticator(client, investigator):
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    page = client.get("/accounts/two-factor/")
    assert "Scan this code" in page.content.decode()
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=investigator)
    assert not device.confirmed

    response = client.post("/accounts/two-factor/", {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="auth.two_factor_enrolled").exists()


def test_a_wrong_code_is_refused_and_audited(client, investigator):
    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    response = client.post("/accounts/two-factor/", {"token": "000000"})
    assert "not right or has expired" in response.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.two_factor_failed", outcome="refused").exists()


def test_the_api_refuses_a_session_without_two_factor(client, investigator):
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_the_demo_banner_says_two_factor_is_off(client, investigator, settings):
    settings.CASEWORK_REQUIRE_2FA = False
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})
    assert "two-factor sign-in is switched off" in client.get("/").content.decode()

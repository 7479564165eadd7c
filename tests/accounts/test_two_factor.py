from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.audit.models import AuditEvent
from tests.clients import BrowserFormClient as Client
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


def sign_in(client) -> None:
    client.post("/accounts/sign-in/", {"username": "inv.north", "password": TEST_PASSWORD})


def test_the_enrolment_key_is_shown_once_not_at_every_sign_in(client, investigator):
    sign_in(client)
    first = client.get("/accounts/two-factor/").content.decode()
    device = TOTPDevice.objects.get(user=investigator)
    secret = base64.b32encode(device.bin_key).decode()
    assert secret in first
    # The same session may look again (a mistyped code re-renders the page)...
    assert secret in client.get("/accounts/two-factor/").content.decode()

    # ...but a later sign-in with the password alone never sees the key again.
    later = Client()
    sign_in(later)
    page = later.get("/accounts/two-factor/")
    body = page.content.decode()
    assert secret not in body
    assert "<svg" not in body
    assert "ask an administrator to reset your two-factor enrolment" in body
    assert AuditEvent.objects.filter(action="auth.two_factor_enrolment_started").count() == 1
    assert AuditEvent.objects.filter(action="auth.two_factor_key_shown").count() == 1


def test_an_unconfirmed_enrolment_can_still_be_finished_with_the_app(client, investigator):
    sign_in(client)
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=investigator)

    later = Client()
    sign_in(later)
    later.get("/accounts/two-factor/")
    response = later.post("/accounts/two-factor/", {"token": current_code(device)})
    assert response.status_code == 302
    assert later.get("/").status_code == 200


def test_the_key_page_is_not_cached(client, investigator):
    sign_in(client)
    response = client.get("/accounts/two-factor/")
    assert "no-store" in response["Cache-Control"]


def test_an_administrator_resets_an_enrolment_and_it_is_audited(
    client, investigator, administrator
):
    from casework.accounts import services

    sign_in(client)
    client.get("/accounts/two-factor/")
    old = TOTPDevice.objects.get(user=investigator)

    services.two_factor_reset(user=investigator, actor=administrator)

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    event = AuditEvent.objects.get(action="user.two_factor_reset")
    assert event.actor == administrator
    later = Client()
    sign_in(later)
    body = later.get("/accounts/two-factor/").content.decode()
    assert "Scan this code" in body
    assert base64.b32encode(old.bin_key).decode() not in body


def test_a_reset_signs_the_old_authenticator_out(client_for, investigator, administrator):
    from casework.accounts import services

    browser = client_for(investigator)
    assert browser.get("/").status_code == 200
    services.two_factor_reset(user=investigator, actor=administrator)
    assert browser.get("/")["Location"].startswith("/accounts/two-factor/")


def test_only_an_administrator_resets_an_enrolment(investigator, supervisor):
    from casework.accounts import services
    from casework.core.errors import DomainError

    with pytest.raises(DomainError, match="Only an administrator"):
        services.two_factor_reset(user=investigator, actor=supervisor)
    assert not AuditEvent.objects.filter(action="user.two_factor_reset").exists()


def test_the_admin_resets_enrolments_from_the_user_list(client_for, investigator, administrator):
    from django.contrib.auth.models import Permission

    administrator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", content_type__model="user")
    )
    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    response = client_for(administrator).post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [investigator.pk], "index": 0},
        follow=True,
    )
    assert "Reset the two-factor enrolment of 1 account" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=investigator).exists()
    assert AuditEvent.objects.filter(action="user.two_factor_reset", actor=administrator).exists()


def test_the_reset_command_names_the_administrator(investigator, administrator):
    from io import StringIO

    from django.core.management import CommandError, call_command

    TOTPDevice.objects.create(user=investigator, name="app", confirmed=True)
    with pytest.raises(CommandError, match="administrator"):
        call_command("two_factor_reset", "inv.north", "--actor", "inv.north")
    with pytest.raises(CommandError, match="No user"):
        call_command("two_factor_reset", "nobody", "--actor", "admin")
    out = StringIO()
    call_command("two_factor_reset", "inv.north", "--actor", "admin", stdout=out)
    assert "inv.north" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=investigator).exists()
    assert AuditEvent.objects.filter(action="user.two_factor_reset", actor=administrator).exists()


def test_the_admin_user_page_shows_when_the_key_was_shown(
    client, client_for, investigator, administrator
):
    from django.contrib.auth.models import Permission

    administrator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", content_type__model="user")
    )
    sign_in(client)
    client.get("/accounts/two-factor/")
    page = client_for(administrator).get(f"/admin/accounts/user/{investigator.pk}/change/")
    assert page.status_code == 200
    assert "Two-factor key shown at" in page.content.decode()

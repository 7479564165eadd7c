from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework.accounts import services
from casework.audit.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"


@pytest.fixture(autouse=True)
def _no_two_factor(settings):
    settings.CASEWORK_REQUIRE_2FA = False


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(SIGN_IN, {"username": username, "password": password})


def test_it_shows_the_sign_in_page_to_anonymous_visitors(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(SIGN_IN)
    assert b"<h1>Sign in</h1>" in response.content


def test_it_signs_in_and_shows_who_is_signed_in(client, investigator):
    response = sign_in(client, "inv.north")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "North Unit · Investigator" in home.content.decode()
    assert AuditEvent.objects.filter(action="auth.sign_in", actor=investigator).count() == 1


def test_it_says_plainly_when_the_password_is_wrong(client, investigator):
    response = sign_in(client, "inv.north", "wrong-password")
    assert response.status_code == 200
    assert "user name or password is not right" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.outcome == "refused"
    assert event.actor_username == "inv.north"


def test_it_locks_the_account_after_five_failures_in_fifteen_minutes(client, investigator):
    for _ in range(5):
        sign_in(client, "inv.north", "wrong-password")
    investigator.refresh_from_db()
    assert investigator.locked_at is not None
    response = sign_in(client, "inv.north")  # right password, still refused
    assert "locked after repeated failed sign-ins" in response.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.lock_out").count() == 1


def test_it_forgets_failures_older_than_the_window(client, investigator):
    with time_machine.travel(timezone.now() - timedelta(minutes=20), tick=False):
        for _ in range(4):
            sign_in(client, "inv.north", "wrong-password")
    sign_in(client, "inv.north", "wrong-password")
    investigator.refresh_from_db()
    assert investigator.locked_at is None


def test_an_administrator_releases_a_locked_account(client, investigator, administrator):
    for _ in range(5):
        sign_in(client, "inv.north", "wrong-password")
    investigator.refresh_from_db()
    services.user_release_lock(user=investigator, actor=administrator)
    assert sign_in(client, "inv.north").status_code == 302
    assert AuditEvent.objects.filter(action="user.release_lock", actor=administrator).exists()


def test_only_an_administrator_can_release_a_lock(investigator, supervisor):
    from casework.core.errors import DomainError

    with pytest.raises(DomainError, match="Only an administrator"):
        services.user_release_lock(user=investigator, actor=supervisor)


def test_the_admin_site_sends_people_to_the_casework_sign_in(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(SIGN_IN)


def test_sign_out_ends_the_session_and_is_audited(client, investigator):
    sign_in(client, "inv.north")
    client.post("/accounts/sign-out/")
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=investigator).exists()


def test_it_does_not_redirect_to_another_site_after_sign_in(client, investigator):
    response = client.post(
        SIGN_IN,
        {"username": "inv.north", "password": TEST_PASSWORD, "next": "https://elsewhere.invalid/"},
    )
    assert response["Location"] == "/"

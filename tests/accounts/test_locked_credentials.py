"""A locked account is refused by every credential, not only the password (issue 23, item 11):
its API token, its calendar feed address and a session it had already opened."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from casework.accounts import services
from casework.deadlines.services import calendar_feed_token_issue

pytestmark = pytest.mark.django_db


def lock_out(user) -> None:
    for _ in range(settings.CASEWORK_LOCKOUT_FAILURES):
        services.sign_in_failed(username=user.username)
    user.refresh_from_db()
    assert user.locked_at is not None


def test_a_locked_accounts_api_token_is_refused(client, investigator):
    token = Token.objects.create(user=investigator)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/v1/me/", **auth).status_code == 200

    lock_out(investigator)
    response = client.get("/api/v1/me/", **auth)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "locked" in response.json()["detail"]


def test_the_token_works_again_once_an_administrator_releases_the_lock(
    client, investigator, administrator
):
    token = Token.objects.create(user=investigator)
    lock_out(investigator)
    services.user_release_lock(user=investigator, actor=administrator)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_a_locked_accounts_calendar_feed_answers_not_found(client, investigator):
    url = f"/deadlines/feed/{calendar_feed_token_issue(actor=investigator)}.ics"
    assert client.get(url).status_code == 200

    lock_out(investigator)
    assert client.get(url).status_code == 404


def test_a_session_opened_before_the_lock_stops_working(client_for, investigator):
    browser = client_for(investigator)
    assert browser.get("/").status_code == 200
    assert browser.get("/api/v1/me/").status_code == 200

    lock_out(investigator)
    assert browser.get("/").status_code == 302
    response = browser.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_an_anonymous_api_caller_is_told_to_authenticate(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"

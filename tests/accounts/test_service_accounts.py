"""Service accounts and API tokens (issue 25, item 5): a token belongs to a named service account
with a role and a unit, expires, is stored hashed and shown once; an administrator creates,
rotates and revokes it, each audited; a person's token dies with the person's access."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from casework.accounts import service_accounts as sa
from casework.accounts.models import ApiToken, ServiceAccount
from casework.audit.models import AuditEvent
from casework.core.errors import DomainError
from tests.factories import TEST_PASSWORD
from tests.referrals.test_api import BODY

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(administrator, north):
    """A north investigator integration and its first token's secret."""
    account, secret = sa.service_account_create(
        name="hotline-intake",
        role="investigator",
        unit=north,
        actor=administrator,
        description="Synthetic hotline feed",
    )
    return account, secret


def auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {secret}"}


def test_it_acts_as_its_service_account_with_its_role_and_unit(client, intake):
    _account, secret = intake
    response = client.get("/api/v1/me/", **auth(secret))
    assert response.status_code == 200
    assert response.json()["username"] == "svc-hotline-intake"
    assert response.json()["roles"] == ["investigator"]
    assert response.json()["unit"]["code"] == "north"


def test_its_api_actions_are_audited_with_the_service_account_as_actor(client, intake):
    _account, secret = intake
    response = client.post(
        "/api/v1/referrals/", BODY, content_type="application/json", **auth(secret)
    )
    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get(action="referral.create")
    assert event.actor_username == "svc-hotline-intake"
    assert event.actor_id == intake[0].user_id
    # The database-level change capture names it too (it learns the actor after DRF reads
    # the token, not from the session middleware, which saw nobody).
    captured = AuditEvent.objects.filter(object_type="referrals.referral").exclude(
        action="referral.create"
    )
    assert captured.exists()
    assert set(captured.values_list("actor_username", flat=True)) == {"svc-hotline-intake"}


def test_need_to_know_applies_to_it_as_to_a_person(client, administrator, south, investigator):
    _account, secret = sa.service_account_create(
        name="south-feed", role="investigator", unit=south, actor=administrator
    )
    from tests.referrals.factories import make_referral

    referral = make_referral(actor=investigator)
    response = client.get(f"/api/v1/referrals/{referral.pk}/", **auth(secret))
    assert response.status_code == 404


def test_the_secret_is_stored_only_as_a_hash(intake):
    account, secret = intake
    token = account.tokens.get()
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith("cwt_") and token.prefix == secret[:10]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert not any(secret in str(value) for row in cursor.fetchall() for value in row)
    assert not AuditEvent.objects.filter(details__icontains=secret[10:]).exists()


def test_an_expired_token_answers_401_problem_details(client, intake):
    _account, secret = intake
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = client.get("/api/v1/me/", **auth(secret))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == "Token"
    assert "expired" in response.json()["detail"]
    assert "hotline-intake" in response.json()["detail"]


def test_rotation_stops_the_old_token_and_shows_a_new_one_once(client, intake, administrator):
    account, old_secret = intake
    new, new_secret = sa.api_token_rotate(token=account.tokens.get(), actor=administrator)
    assert client.get("/api/v1/me/", **auth(old_secret)).status_code == 401
    assert client.get("/api/v1/me/", **auth(new_secret)).status_code == 200
    rotate = AuditEvent.objects.get(action="api_token.rotate")
    assert rotate.details["replaced_by"] == new.prefix
    assert AuditEvent.objects.filter(action="api_token.create").count() == 2


def test_a_revoked_token_is_refused_and_the_revocation_audited(client, intake, administrator):
    account, secret = intake
    sa.api_token_revoke(token=account.tokens.get(), actor=administrator)
    response = client.get("/api/v1/me/", **auth(secret))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.actor_username == "admin"
    with pytest.raises(DomainError, match="already revoked"):
        sa.api_token_revoke(token=account.tokens.get(), actor=administrator)


def test_creation_is_audited_with_role_and_unit(intake):
    event = AuditEvent.objects.get(action="service_account.create")
    assert event.actor_username == "admin"
    assert event.details["role"] == "investigator"
    assert event.details["unit"] == "north"
    assert AuditEvent.objects.get(action="api_token.create").details["service_account"] == (
        "hotline-intake"
    )


def test_last_use_is_recorded_at_most_once_a_minute(client, intake):
    account, secret = intake
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/v1/me/", **auth(secret))
    first = ApiToken.objects.get(service_account=account).last_used_at
    assert first == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/api/v1/me/", **auth(secret))
    assert ApiToken.objects.get(service_account=account).last_used_at == first
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/v1/me/", **auth(secret))
    assert ApiToken.objects.get(service_account=account).last_used_at == start + timedelta(
        seconds=61
    )


def test_a_token_request_costs_a_bounded_number_of_queries(
    client, intake, django_assert_max_num_queries
):
    _account, secret = intake
    client.get("/api/v1/me/", **auth(secret))
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/me/", **auth(secret)).status_code == 200


def test_only_an_administrator_manages_service_accounts(supervisor, north, intake):
    account, _secret = intake
    with pytest.raises(DomainError, match="Only an administrator"):
        sa.service_account_create(name="x", role="investigator", unit=north, actor=supervisor)
    with pytest.raises(DomainError, match="Only an administrator"):
        sa.api_token_rotate(token=account.tokens.get(), actor=supervisor)
    with pytest.raises(DomainError, match="Only an administrator"):
        sa.api_token_revoke(token=account.tokens.get(), actor=supervisor)


@pytest.mark.parametrize(
    ("role", "unit", "field", "message"),
    [
        ("administrator", None, "role", "administration is done by a person"),
        ("investigator", None, "unit", "Choose the unit"),
    ],
)
def test_it_refuses_what_a_service_account_may_not_be(administrator, role, unit, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        sa.service_account_create(name="bad", role=role, unit=unit, actor=administrator)
    assert refused.value.errors[0].field == field


def test_a_lifetime_beyond_the_maximum_is_refused(administrator, north, settings):
    settings.CASEWORK_API_TOKEN_MAX_DAYS = 30
    with pytest.raises(DomainError, match="from 1 to 30 days"):
        sa.service_account_create(
            name="long", role="investigator", unit=north, actor=administrator, expires_in_days=31
        )
    assert not ServiceAccount.objects.exists()


def test_the_service_principal_cannot_sign_in_to_the_web(client, intake):
    account, _secret = intake
    account.user.set_password(TEST_PASSWORD)
    account.user.save()
    response = client.post(
        "/accounts/sign-in/", {"username": "svc-hotline-intake", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "not right" in response.content.decode()


# --- people's tokens (DRF tokens issued before service accounts) ------------------------------


def test_a_persons_token_dies_when_the_person_is_deactivated(client, investigator):
    token = Token.objects.create(user=investigator)
    assert client.get("/api/v1/me/", **auth(token.key)).status_code == 200
    investigator.is_active = False
    investigator.save()
    response = client.get("/api/v1/me/", **auth(token.key))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_persons_token_dies_when_their_last_role_is_removed(client, investigator):
    token = Token.objects.create(user=investigator)
    investigator.groups.remove(Group.objects.get(name="investigator"))
    response = client.get("/api/v1/me/", **auth(token.key))
    assert response.status_code == 401
    assert "no longer has access" in response.json()["detail"]


def test_no_new_personal_token_can_be_added_in_the_admin(client_for, administrator):
    response = client_for(administrator).get("/admin/authtoken/tokenproxy/add/")
    assert response.status_code == 403


# --- the administrators' page ---------------------------------------------------------------


def test_the_administrator_creates_an_account_and_sees_the_secret_once(
    client_for, administrator, north
):
    browser = client_for(administrator)
    response = browser.post(
        "/accounts/service-accounts/new/",
        {
            "name": "report-script",
            "description": "Synthetic monthly figures",
            "role": "supervisor",
            "unit": north.pk,
            "expires_in_days": "30",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Copy this token now" in page
    secret = page.split('id="api-token" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("cwt_")
    listing = browser.get("/accounts/service-accounts/").content.decode()
    assert "report-script" in listing
    assert secret not in listing
    assert secret[:10] in listing
    assert browser.get("/api/v1/me/", **auth(secret)).json()["roles"] == ["supervisor"]


def test_the_form_explains_a_missing_unit_at_the_top_and_at_the_field(client_for, administrator):
    response = client_for(administrator).post(
        "/accounts/service-accounts/new/",
        {"name": "no-unit", "role": "investigator", "expires_in_days": "30"},
    )
    assert response.status_code == 400
    assert response.content.decode().count("Choose the unit whose work") == 2


def test_the_administrator_rotates_and_revokes_from_the_page(client_for, administrator, intake):
    account, _old = intake
    browser = client_for(administrator)
    token = account.tokens.get()
    rotated = browser.post(f"/accounts/service-accounts/tokens/{token.pk}/rotate/")
    assert "API token rotated for hotline-intake" in rotated.content.decode()
    new = account.tokens.get(revoked_at__isnull=True)
    response = browser.post(f"/accounts/service-accounts/tokens/{new.pk}/revoke/", follow=True)
    assert "no longer works" in response.content.decode()
    assert not account.tokens.filter(revoked_at__isnull=True).exists()


@pytest.mark.parametrize("persona", ["supervisor", "investigator", "auditor", "outsider"])
def test_nobody_else_sees_the_page(client_for, intake, persona, request):
    browser = client_for(request.getfixturevalue(persona))
    token = intake[0].tokens.get()
    assert browser.get("/accounts/service-accounts/").status_code == 404
    assert browser.get("/accounts/service-accounts/new/").status_code == 404
    assert browser.post(f"/accounts/service-accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert browser.post("/accounts/service-accounts/hotline-intake/tokens/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


# --- kept apart from people -------------------------------------------------------------------


def test_it_is_offered_to_nobody_as_a_person_to_assign_or_to_carry_evidence(intake, north):
    from casework.cases.selectors import unit_investigators
    from casework.custody.forms import unit_people

    account, _secret = intake
    assert account.user not in unit_investigators(north.pk)
    assert account.user not in unit_people(north.pk)


def test_the_inactivity_sweep_leaves_it_alone(intake):
    from casework.accounts.services import users_disable_inactive

    account, _secret = intake
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        assert "svc-hotline-intake" not in users_disable_inactive()
    account.user.refresh_from_db()
    assert account.user.is_active


# --- the command --------------------------------------------------------------------------------


def test_the_command_creates_rotates_and_revokes(administrator, north, client):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command(
        "service_account", "create", "nightly-report", "--role", "supervisor", "--unit", "north",
        "--days", "7", "--actor", "admin", stdout=out, stderr=err,
    )  # fmt: skip
    first = out.getvalue().strip()
    assert first.startswith("cwt_") and "shown once" in err.getvalue()
    assert client.get("/api/v1/me/", **auth(first)).json()["roles"] == ["supervisor"]

    out = StringIO()
    call_command("service_account", "rotate", "nightly-report", "--actor", "admin", stdout=out)
    second = out.getvalue().strip()
    assert client.get("/api/v1/me/", **auth(first)).status_code == 401
    assert client.get("/api/v1/me/", **auth(second)).status_code == 200

    call_command("service_account", "revoke", "nightly-report", "--actor", "admin", stderr=err)
    assert client.get("/api/v1/me/", **auth(second)).status_code == 401
    actions = list(
        AuditEvent.objects.filter(action__startswith="api_token.").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "api_token.create", "api_token.create", "api_token.revoke", "api_token.rotate",
    ]  # fmt: skip
    assert set(
        AuditEvent.objects.filter(action__startswith="api_token.").values_list(
            "actor_username", flat=True
        )
    ) == {"admin"}


def test_the_command_names_the_field_of_a_problem(administrator):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=r"^unit: Choose the unit"):
        call_command("service_account", "create", "x", "--role", "investigator", "--actor", "admin")
    with pytest.raises(CommandError, match=r"^actor: no active user named 'nobody'"):
        call_command("service_account", "revoke", "x", "--actor", "nobody")


def test_the_list_page_costs_the_same_however_many_accounts(
    client_for, administrator, north, django_assert_max_num_queries
):
    browser = client_for(administrator)
    for n in range(4):
        account, _secret = sa.service_account_create(
            name=f"feed-{n}", role="investigator", unit=north, actor=administrator
        )
        sa.api_token_create(service_account=account, actor=administrator)
    browser.get("/accounts/service-accounts/")
    with django_assert_max_num_queries(14):
        response = browser.get("/accounts/service-accounts/")
    assert response.content.decode().count("Issue another token for feed-") == 4

"""Single sign-on against a real OpenID provider running beside the test (HTTP, real keys).

Each test walks the flow a browser walks: Casework's start address, the provider's
authorisation form, the callback. The provider's answers are real signed tokens; where a test
needs a bad one, the provider itself sends it (tests/accounts/oidc_provider.py).
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.utils import timezone

from casework.accounts.models import User
from casework.accounts.sso_models import ExternalIdentity
from casework.audit.models import AuditEvent
from tests.accounts.oidc_provider import expired_times
from tests.clients import BrowserFormClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def start(client, next_url: str = "/") -> str:
    response = client.get("/accounts/sso/start/", {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def at_provider(authorize_url: str, sub: str) -> str:
    """The person signs in at the provider; returns the callback address it sends them to."""
    response = httpx.post(authorize_url, data={"sub": sub})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def back(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(parts.path, parse_qs(parts.query))


def sign_on(client, sub: str, next_url: str = "/"):
    return back(client, at_provider(start(client, next_url), sub))


def refusal(response) -> str:
    assert response.status_code == 403
    assert "You are not signed in" in response.content.decode()
    return response.content.decode()


@pytest.fixture
def linked_investigator(investigator):
    from django.conf import settings

    ExternalIdentity.objects.create(
        user=investigator, issuer=settings.CASEWORK_OIDC_ISSUER, subject="subject-0001"
    )
    return investigator


def test_it_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(client, sso):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["casework"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid profile email"]


def test_a_linked_person_signs_in_and_gets_the_role_their_groups_map_to(
    client, sso, group_mapping, linked_investigator, north
):
    sso.user("subject-0001", groups=["cw-north-supervisors"], email="someone@agency.invalid")
    response = sign_on(client, "subject-0001", "/cases/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert sso.pkce_checked >= 1
    user = User.objects.get(pk=linked_investigator.pk)
    assert user.role_names == frozenset({"supervisor"})
    change = AuditEvent.objects.get(action="user.sso_access_change", object_id=str(user.pk))
    assert change.changes["roles"] == [["investigator"], ["supervisor"]]
    sign_in = AuditEvent.objects.filter(action="auth.sign_in").latest("id")
    assert sign_in.details["method"] == "single sign-on"
    assert sign_in.details["subject"] == "subject-0001"
    # The provider reported a password only: Casework asks for its own second factor, in the
    # pages and in the API alike.
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/v1/me/").status_code == 403


def test_the_provider_s_multi_factor_stands_as_the_second_factor(
    client, sso, group_mapping, linked_investigator
):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["pwd", "mfa"])
    sign_on(client, "subject-0001")
    assert client.get("/").status_code == 200
    me = client.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "inv.north"
    event = AuditEvent.objects.filter(action="auth.sign_in").latest("id")
    assert event.details["second_factor"] == "provider"


def test_casework_can_require_the_provider_s_multi_factor(
    client, sso, settings, group_mapping, linked_investigator
):
    settings.CASEWORK_OIDC_SECOND_FACTOR = "provider"
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["pwd"])
    page = refusal(sign_on(client, "subject-0001"))
    assert "says you used a password only" in page
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action="auth.sso_refused", details__reason="provider_mfa_missing"
    ).exists()


def test_an_acr_the_administrator_names_counts_as_multi_factor(
    client, sso, settings, group_mapping, linked_investigator
):
    settings.CASEWORK_OIDC_SECOND_FACTOR = "provider"
    settings.CASEWORK_OIDC_MFA_ACR = ["urn:synthetic:loa:high"]
    sso.user("subject-0001", groups=["cw-north-investigators"], acr="urn:synthetic:loa:high")
    sign_on(client, "subject-0001")
    assert client.get("/").status_code == 200


def test_a_matching_e_mail_address_does_not_open_someone_else_s_account(
    client, sso, group_mapping, investigator
):
    investigator.email = "inv.north@agency.invalid"
    investigator.save()
    sso.user("subject-other", groups=["cw-north-investigators"], email="inv.north@agency.invalid")
    page = refusal(sign_on(client, "subject-other"))
    assert "not linked to a Casework account" in page
    assert "subject-other" in page
    assert not ExternalIdentity.objects.exists()
    assert client.get("/").status_code == 302


def test_first_sign_in_creates_the_account_only_when_the_administrator_allows_it(
    client, sso, settings, group_mapping, north
):
    sso.user(
        "subject-0042",
        groups=["cw-north-investigators", "unrelated-group"],
        preferred_username="new.person",
        given_name="Synthetic",
        family_name="Person",
    )
    refusal(sign_on(client, "subject-0042"))
    assert not User.objects.filter(username="new.person").exists()

    settings.CASEWORK_OIDC_CREATE_USERS = True
    assert sign_on(BrowserFormClient(), "subject-0042").status_code == 302
    user = User.objects.get(external_identities__subject="subject-0042")
    assert user.username == "new.person" and user.unit == north
    assert not user.has_usable_password()
    assert user.role_names == frozenset({"investigator"})
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


def test_an_unmapped_person_is_refused_and_no_account_is_created(
    client, sso, settings, group_mapping
):
    settings.CASEWORK_OIDC_CREATE_USERS = True
    sso.user("subject-0050", groups=["unrelated-group"])
    page = refusal(sign_on(client, "subject-0050"))
    assert "None of your groups at the identity provider gives a role" in page
    assert not ExternalIdentity.objects.exists()
    assert AuditEvent.objects.filter(action="auth.sso_refused", details__reason="unmapped").exists()


def test_a_changed_group_changes_the_role_at_the_next_sign_in_and_an_unmapped_one_removes_it(
    client, sso, group_mapping, linked_investigator, south, client_for
):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    sign_on(client, "subject-0001")
    assert User.objects.get(pk=linked_investigator.pk).role_names == {"investigator"}

    sso.user("subject-0001", groups=["cw-south-investigators"], amr=["mfa"])
    sign_on(BrowserFormClient(), "subject-0001")
    user = User.objects.get(pk=linked_investigator.pk)
    assert user.unit == south
    moved = AuditEvent.objects.filter(action="user.sso_access_change").latest("id")
    assert moved.changes == {"unit": ["north", "south"]}

    sso.user("subject-0001", groups=["left-the-unit"], amr=["mfa"])
    page = refusal(sign_on(BrowserFormClient(), "subject-0001"))
    assert "None of your groups" in page
    user = User.objects.get(pk=linked_investigator.pk)
    assert user.role_names == frozenset()
    removed = AuditEvent.objects.filter(action="user.sso_access_change").latest("id")
    assert removed.changes["roles"] == [["investigator"], []]
    # The session opened before the change no longer reaches role-gated work.
    assert client.get("/referrals/").status_code in {403, 404}


def test_groups_that_place_a_person_in_two_units_are_refused(
    client, sso, group_mapping, linked_investigator
):
    sso.user("subject-0001", groups=["cw-north-investigators", "cw-south-investigators"])
    assert "more than one unit" in refusal(sign_on(client, "subject-0001"))


def test_a_disabled_provider_account_is_not_signed_in(
    client, sso, group_mapping, linked_investigator
):
    sso.user("subject-0001", groups=["cw-north-investigators"])
    sso.disabled.add("subject-0001")
    page = refusal(sign_on(client, "subject-0001"))
    assert "your agency account may be disabled" in page
    assert "User is disabled" not in page  # the provider's free text is never echoed
    assert AuditEvent.objects.filter(
        action="auth.sso_refused", details__reason="provider:access_denied"
    ).exists()


def test_a_locked_casework_account_is_refused_through_the_provider_too(
    client, sso, group_mapping, linked_investigator
):
    User.objects.filter(pk=linked_investigator.pk).update(locked_at=timezone.now())
    sso.user("subject-0001", groups=["cw-north-investigators"])
    assert "locked or deactivated" in refusal(sign_on(client, "subject-0001"))


@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [
        ({"tamper": {"aud": ["another-application"]}}, "token_invalid"),
        ({"tamper": {"iss": "https://elsewhere.invalid"}}, "token_invalid"),
        ({"tamper": "expired"}, "token_invalid"),
        ({"forge_next": True}, "token_invalid"),
        ({"replay_next": True}, "nonce_mismatch"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "unpublished-key", "replayed-nonce"],
)
def test_an_id_token_that_does_not_verify_signs_nobody_in(
    client, sso, group_mapping, linked_investigator, misbehaviour, reason
):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    if "replay_next" in misbehaviour:
        sign_on(BrowserFormClient(), "subject-0001")  # an earlier, genuine sign-in
    tamper = misbehaviour.get("tamper")
    sso.tamper = expired_times() if tamper == "expired" else tamper
    sso.forge_next = misbehaviour.get("forge_next", False)
    sso.replay_next = misbehaviour.get("replay_next", False)
    page = refusal(sign_on(client, "subject-0001"))
    assert "could not be verified" in page
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/me/").status_code in {401, 403}
    assert AuditEvent.objects.filter(action="auth.sso_refused", details__reason=reason).exists()


def test_a_callback_used_twice_is_refused(client, sso, group_mapping, linked_investigator):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    callback = at_provider(start(client), "subject-0001")
    assert back(client, callback).status_code == 302
    assert "already used" in refusal(back(BrowserFormClient(), callback))
    assert "already used" in refusal(back(client, callback))


def test_signing_out_ends_the_provider_session_too(client, sso, group_mapping, linked_investigator):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    sign_on(client, "subject-0001")
    response = client.post("/accounts/sign-out/")
    # A page that moves on, not a redirect: the policy stops a form redirecting off-site.
    assert response.status_code == 200
    page = response.content.decode()
    link = re.search(r'<a class="usa-button" href="([^"]+)"', page).group(1)
    assert f'content="0;url={link}"' in page
    location = urlsplit(html.unescape(link))
    assert f"{location.scheme}://{location.netloc}" == sso.url
    assert location.path == "/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/sign-in/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/").status_code == 302


def test_a_local_session_signs_out_locally(client_for, investigator, sso):
    response = client_for(investigator).post("/accounts/sign-out/")
    assert response["Location"] == "/accounts/sign-in/"


def test_an_sso_session_keeps_the_idle_and_absolute_limits(
    client, sso, settings, group_mapping, linked_investigator
):
    settings.CASEWORK_SESSION_IDLE_MINUTES = 30
    settings.CASEWORK_SESSION_MAX_HOURS = 2
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    sign_on(client, "subject-0001")
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        idle = client.get("/")
    assert idle["Location"].startswith("/accounts/sign-in/")

    busy = BrowserFormClient()
    sign_on(busy, "subject-0001")
    for minutes in range(20, 160, 20):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            response = busy.get("/")
    assert response["Location"].startswith("/accounts/sign-in/")


def test_the_sign_in_page_offers_the_provider_beside_the_password_form(client, sso):
    page = client.get("/accounts/sign-in/").content.decode()
    assert "Sign in with Agency ID" in page
    assert 'name="password"' in page
    # The cursor is not put in the password form ahead of the provider's button.
    assert "autofocus" not in page


def test_single_sign_on_only_hides_the_password_form_behind_a_break_glass_link(
    client, sso, settings
):
    settings.CASEWORK_OIDC_ONLY = True
    page = client.get("/accounts/sign-in/").content.decode()
    assert "Sign in with Agency ID" in page
    assert 'name="password"' not in page
    assert "break-glass" in page
    assert 'name="password"' in client.get("/accounts/sign-in/?local=1").content.decode()


def test_without_single_sign_on_the_page_and_addresses_are_as_before(client):
    page = client.get("/accounts/sign-in/").content.decode()
    assert "Sign in with" not in page
    assert "autofocus" in page  # the user name, as before
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_an_unreachable_provider_is_explained(client, sso, settings):
    from casework.accounts.oidc import forget_discovery

    settings.CASEWORK_OIDC_ISSUER = "http://localhost:9"
    forget_discovery()
    assert "could not be reached" in refusal(client.get("/accounts/sso/start/"))


def test_administrators_link_a_person_by_subject_only(administrator, client_for, investigator, sso):
    UserFactory(username="someone.else")
    admin = client_for(administrator)
    response = admin.post(
        "/admin/accounts/externalidentity/add/",
        {"user": investigator.pk, "issuer": sso.url, "subject": "subject-0077"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ExternalIdentity.objects.get(subject="subject-0077").user == investigator


def test_an_authentication_older_than_the_limit_is_refused(
    client, sso, settings, group_mapping, linked_investigator
):
    settings.CASEWORK_OIDC_MAX_AUTH_AGE_MINUTES = 30
    settings.OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"max_age": "1800"}
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    authorize = start(client)
    assert parse_qs(urlsplit(authorize).query)["max_age"] == ["1800"]
    sso.tamper = {"auth_time": int(timezone.now().timestamp()) - 7200}
    assert "could not be verified" in refusal(back(client, at_provider(authorize, "subject-0001")))
    assert sign_on(BrowserFormClient(), "subject-0001").status_code == 302


def test_a_provider_that_describes_itself_under_another_issuer_is_refused(client, sso, settings):
    from casework.accounts.oidc import forget_discovery

    settings.CASEWORK_OIDC_ISSUER = f"{sso.url}/"  # one character off what the provider states
    forget_discovery()
    assert "under another address" in refusal(client.get("/accounts/sso/start/"))


def test_a_lock_ends_an_open_single_sign_on_session_at_its_next_request(
    client, sso, group_mapping, linked_investigator
):
    sso.user("subject-0001", groups=["cw-north-investigators"], amr=["mfa"])
    sign_on(client, "subject-0001")
    assert client.get("/").status_code == 200
    User.objects.filter(pk=linked_investigator.pk).update(locked_at=timezone.now())
    assert client.get("/")["Location"].startswith("/accounts/sign-in/")
    assert client.get("/api/v1/me/").status_code in {401, 403}


def test_the_group_mapping_admin_refuses_a_row_that_gives_nothing(administrator, client_for, sso):
    from casework.accounts.sso_models import ProviderGroupMapping

    admin = client_for(administrator)
    response = admin.post(
        "/admin/accounts/providergroupmapping/add/", {"group": "  cw-empty  ", "role": ""}
    )
    assert response.status_code == 200
    assert "Choose a role, a unit, or both." in response.content.decode()
    response = admin.post(
        "/admin/accounts/providergroupmapping/add/",
        {"group": "  cw-auditors-2 ", "role": "auditor"},
    )
    assert response.status_code == 302
    assert ProviderGroupMapping.objects.get(group="cw-auditors-2").role == "auditor"


def test_sso_check_reports_what_the_provider_offers_and_what_to_register(sso, group_mapping):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sso_check", "--base-url", "https://casework.example.org", stdout=out)
    report = out.getvalue()
    assert f"{sso.url}/oauth2/end_session" in report
    assert "redirect URI     https://casework.example.org/accounts/sso/callback/" in report
    assert "1 RS256 key(s)" in report
    assert "group mapping    4 row(s)" in report


def test_sso_check_fails_in_one_sentence_when_the_provider_is_unreachable(sso, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.CASEWORK_OIDC_ISSUER = "http://localhost:9"
    with pytest.raises(CommandError, match="could not be reached"):
        call_command("sso_check")


def test_claims_postgresql_would_refuse_are_left_out_not_stored(
    client, sso, settings, group_mapping, north
):
    settings.CASEWORK_OIDC_CREATE_USERS = True
    sso.user(
        "subject-0099",
        preferred_username="synthetic.user",
        given_name="Syn\x00thetic",
        groups=["cw-north-investigators", "odd\x00group", {"nested": "value"}],
    )
    assert sign_on(client, "subject-0099").status_code == 302
    identity = ExternalIdentity.objects.select_related("user").get(subject="subject-0099")
    assert identity.user.first_name == ""
    assert identity.groups == ["cw-north-investigators"]

    sso.user("x" * 300, groups=["cw-north-investigators"])
    assert "could not be verified" in refusal(sign_on(BrowserFormClient(), "x" * 300))

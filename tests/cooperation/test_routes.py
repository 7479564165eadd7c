"""Need-to-know on every page and API route: the partner's installation, the administrator,
the supervisor, the investigator and an outsider each get what they may, and a 404 otherwise."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from casework.accounts import service_accounts as sa
from casework.cases.services import case_identifier_add
from casework.cooperation import services
from casework.cooperation.models import PartnerPointer, PointerExchange, PointerHit

pytestmark = pytest.mark.django_db

SET = "application/x-ndjson"


@pytest.fixture
def partner_account(partner, administrator):
    account, secret = sa.service_account_create(
        name="partner-installation", role="auditor", unit=None, actor=administrator
    )
    installation = partner.installation
    installation.service_account = account.user
    installation.save()
    return account.user, secret


def test_the_partners_installation_fetches_our_set_with_its_token(
    client, partner_account, shared_case, investigator
):
    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    _, secret = partner_account
    response = client.get(reverse("cooperation-api:pointers"), HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.count(b"\n") == 4 and b"a@example.com" not in body
    assert PointerExchange.objects.get().channel == "api"


def test_the_partners_installation_pushes_its_set(
    client, partner, partner_account, shared_case, investigator
):
    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    _, secret = partner_account
    response = client.post(
        reverse("cooperation-api:pointers"),
        data=partner.set_bytes([("email", "a@example.com")]),
        content_type=SET,
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["received"] == 1
    assert PointerHit.objects.filter(case=shared_case).count() == 1


def test_a_pushed_tampered_set_is_a_located_problem(client, partner, partner_account):
    _, secret = partner_account
    data = partner.set_bytes([("email", "a@example.com")]).replace(b'"c":"c1"', b'"c":"c2"')
    response = client.post(
        reverse("cooperation-api:pointers"),
        data=data,
        content_type=SET,
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 400
    assert "altered" in response.json()["detail"] or "altered" in str(response.json())
    assert not PartnerPointer.objects.exists()


def test_a_partner_cannot_push_a_set_signed_by_another_partner(
    client, partner_account, administrator
):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.cooperation import conf
    from casework.partners import key_services
    from casework.partners.models import Agency
    from tests.cooperation.conftest import Partner

    other_key = Ed25519PrivateKey.generate()
    agency = Agency.objects.create(name="Synthetic Police Other", country="FR", kind="police")
    key_services.partner_installation_register(
        actor=administrator,
        agency=agency,
        issuer="other.casework.invalid",
        public_key=conf.public_key_base64(other_key),
    )
    other = Partner(
        key=other_key, installation=agency.installation, issuer="other.casework.invalid"
    )
    _, secret = partner_account
    response = client.post(
        reverse("cooperation-api:pointers"),
        data=other.set_bytes([("email", "a@example.com")]),
        content_type=SET,
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "who", ["investigator", "supervisor", "administrator", "other_service_account"]
)
def test_anyone_but_a_partner_installation_gets_404_from_the_api(
    who, request, api_for, administrator, partner
):
    if who == "other_service_account":
        account, _ = sa.service_account_create(
            name="intake", role="auditor", unit=None, actor=administrator
        )
        user = account.user
    else:
        user = request.getfixturevalue(who)
    api = api_for(user)
    assert api.get(reverse("cooperation-api:pointers")).status_code == 404
    response = api.post(
        reverse("cooperation-api:pointers"), data=partner.set_bytes([]), content_type=SET
    )
    assert response.status_code == 404
    assert (
        api.post(reverse("cooperation-api:confirmations"), data=b"{}", content_type=SET).status_code
        == 404
    )


def test_a_revoked_partner_gets_404(client, partner, partner_account, administrator):
    from casework.partners import key_services

    key_services.partner_installation_revoke(
        actor=administrator, installation=partner.installation, reason="Ended"
    )
    _, secret = partner_account
    response = client.get(reverse("cooperation-api:pointers"), HTTP_AUTHORIZATION=f"Token {secret}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("who", "keys", "exchanges"),
    [
        ("administrator", 200, 200),
        ("supervisor", 404, 200),
        ("investigator", 404, 404),
        ("outsider", 404, 404),
        ("auditor", 404, 404),
    ],
)
def test_pages_answer_only_those_allowed(who, keys, exchanges, request, client_for, partner):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("cooperation:keys")).status_code == keys
    assert client.get(reverse("cooperation:exchanges")).status_code == exchanges


def test_the_keys_page_registers_and_revokes_a_partner(client_for, administrator, partner):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.cooperation import conf
    from casework.partners.models import Agency

    client = client_for(administrator)
    agency = Agency.objects.create(name="Synthetic Police Third", country="NL", kind="police")
    response = client.post(
        reverse("cooperation:keys"),
        {"agency": agency.pk, "issuer": "third.casework.invalid", "public_key": "not a key"},
    )
    assert response.status_code == 400
    assert "base64" in response.content.decode()
    response = client.post(
        reverse("cooperation:keys"),
        {
            "agency": agency.pk,
            "issuer": "third.casework.invalid",
            "public_key": conf.public_key_base64(Ed25519PrivateKey.generate()),
        },
    )
    assert response.status_code == 302
    installation = agency.installation
    response = client.post(
        reverse("cooperation:installation-revoke", args=[installation.pk]),
        {"reason": "Agreement ended"},
    )
    assert response.status_code == 302
    installation.refresh_from_db()
    assert installation.revoked_at is not None


def test_the_exchanges_page_reads_a_bounded_number_of_queries(
    client_for, supervisor, partner, django_assert_max_num_queries
):
    for _ in range(5):
        services.pointers_import(
            actor=supervisor, source=io.BytesIO(partner.set_bytes([("email", "a@example.com")]))
        )
    client = client_for(supervisor)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("cooperation:exchanges"))
    assert response.content.decode().count("Synthetic Police Partner") >= 5


def test_the_case_page_shows_whom_to_call_and_an_outsider_gets_404(
    client_for, shared_case, investigator, supervisor, outsider, partner
):
    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    services.pointers_import(
        actor=supervisor, source=io.BytesIO(partner.set_bytes([("email", "a@example.com")]))
    )
    page = (
        client_for(investigator)
        .get(reverse("cases:detail", args=[shared_case.number]))
        .content.decode()
    )
    assert "Held by partner agencies" in page and "Duty Officer 0042" in page
    hit = PointerHit.objects.get()
    confirm = reverse("cooperation:hit-confirm", args=[shared_case.number, hit.pk])
    assert client_for(outsider).post(confirm).status_code == 404
    assert client_for(investigator).post(confirm).status_code == 302
    hit.refresh_from_db()
    assert hit.confirmed_at is not None


def test_an_administrator_opts_a_unit_in_and_out(client_for, administrator, north, supervisor):
    from casework.audit.models import AuditEvent
    from casework.cooperation.models import SharingUnit

    url = reverse("cooperation:sharing-unit")
    assert client_for(supervisor).post(url, {"unit": north.pk, "active": "yes"}).status_code == 404
    client = client_for(administrator)
    response = client.post(url, {"unit": north.pk, "active": "yes", "contact_name": ""})
    assert response.status_code == 400
    assert "Name the point of contact" in response.content.decode()
    response = client.post(
        url,
        {"unit": north.pk, "active": "yes", "contact_name": "North Desk", "contact_phone": "+44 1"},
    )
    assert response.status_code == 302
    assert SharingUnit.objects.get(unit=north).active
    client.post(url, {"unit": north.pk, "active": "no"})
    assert not SharingUnit.objects.get(unit=north).active
    assert AuditEvent.objects.filter(action="sharing_unit.update").count() == 2


def test_a_confirmation_not_signed_by_the_partner_is_refused(
    client, partner, partner_account, shared_case, investigator
):
    import base64
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    case_identifier_add(actor=investigator, case=shared_case, kind="email", raw="a@example.com")
    body = {
        "confirmed": "2026-03-02T10:00:00Z",
        "handle": "0" * 32,
        "issuer": partner.issuer,
        "key_id": partner.installation.keys.get().key_id,
        "their_handle": "",
    }
    forged = Ed25519PrivateKey.generate().sign(b"anything")
    envelope = {"confirmation": body, "signature": base64.b64encode(forged).decode()}
    _, secret = partner_account
    response = client.post(
        reverse("cooperation-api:confirmations"),
        data=json.dumps(envelope).encode(),
        content_type=SET,
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 403
    response = client.post(
        reverse("cooperation-api:confirmations"),
        data=b"not json\x00",
        content_type=SET,
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert response.status_code == 400

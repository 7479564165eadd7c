from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.partners import services
from casework.partners.models import Communication, PartnerRequest
from tests.partners.factories import (
    make_agency,
    make_communication,
    make_contact,
    make_referral,
    make_request,
)

pytestmark = pytest.mark.django_db


def test_the_directory_is_open_to_every_signed_in_user(client_for, outsider, auditor, agency):
    for user in (outsider, auditor):
        response = client_for(user).get("/partners/?q=example")
        assert response.status_code == 200
        assert "Example Police Service" in response.content.decode()


def test_the_directory_needs_sign_in(client, agency):
    response = client.get("/partners/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]


def test_the_directory_search_answers_htmx_with_rows_only(client_for, outsider, agency):
    response = client_for(outsider).get("/partners/?q=police", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<tr>" in body
    assert "<h1>" not in body


def test_the_directory_list_has_bounded_queries(
    client_for, investigator, django_assert_max_num_queries
):
    for n in range(30):
        agency = make_agency(actor=investigator, name=f"Example Police Service {n:02d}")
        contact = make_contact(actor=investigator, agency=agency)
        services.agency_update(actor=investigator, agency=agency, duty_contact=contact)
    browser = client_for(investigator)
    with django_assert_max_num_queries(12):
        response = browser.get("/partners/")
    assert response.content.decode().count("Example Police Service") >= 30


def test_adding_an_agency_through_the_form(client_for, investigator):
    response = client_for(investigator).post(
        "/partners/agencies/new/",
        {"name": "Example Police Service (BE)", "country": "BE", "kind": "police"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="agency.create").exists()


def test_an_auditor_cannot_open_the_agency_form(client_for, auditor):
    assert client_for(auditor).get("/partners/agencies/new/").status_code == 404


def test_editing_a_contact_shows_its_history(client_for, investigator, contact):
    browser = client_for(investigator)
    response = browser.post(
        f"/partners/contacts/{contact.pk}/edit/",
        {
            "name": contact.name,
            "role": "Head of liaison",
            "email": contact.email,
            "languages": "en, fr",
            "time_zone": "Europe/Paris",
            "active": "on",
        },
    )
    assert response.status_code == 302
    page = browser.get(f"/partners/contacts/{contact.pk}/").content.decode()
    assert "Head of liaison" in page
    assert "Liaison officer" in page  # version 1 still shown


def test_a_bad_time_zone_is_explained_on_the_contact_form(client_for, investigator, contact):
    response = client_for(investigator).post(
        f"/partners/contacts/{contact.pk}/edit/",
        {"name": contact.name, "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 200
    assert "is not an IANA time zone" in response.content.decode()


def test_the_case_page_shows_communications_with_their_handling_code(
    client_for, investigator, case, agency
):
    make_communication(actor=investigator, agency=agency, case=case, handling_code="originator")
    response = client_for(investigator).get(f"/partners/cases/{case.number}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Originator only" in body
    assert "Asked for the status of synthetic request 0042" in body


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor"])
def test_an_outsider_sees_no_partner_work_of_the_case(
    request, client_for, investigator, case, agency, persona
):
    communication = make_communication(actor=investigator, agency=agency, case=case)
    partner_request = make_request(actor=investigator, agency=agency, case=case)
    browser = client_for(request.getfixturevalue(persona))
    for url in (
        f"/partners/cases/{case.number}/",
        f"/partners/cases/{case.number}/communications/new/",
        f"/partners/cases/{case.number}/communications.csv",
        f"/partners/cases/{case.number}/requests/new/",
        f"/partners/cases/{case.number}/refer-out/",
        f"/partners/communications/{communication.pk}/",
        f"/partners/requests/{partner_request.pk}/",
    ):
        assert browser.get(url).status_code == 404, url
    response = browser.post(f"/partners/requests/{partner_request.pk}/status/", {"status": "sent"})
    assert response.status_code == 404
    assert PartnerRequest.objects.get(pk=partner_request.pk).status == "draft"


def test_an_outsider_sees_no_partner_work_of_a_referral(client_for, investigator, outsider, agency):
    referral = make_referral(actor=investigator)
    make_communication(actor=investigator, agency=agency, referral=referral)
    browser = client_for(outsider)
    for url in (
        f"/partners/referrals/{referral.pk}/",
        f"/partners/referrals/{referral.pk}/communications.csv",
        f"/partners/referrals/{referral.pk}/communications/new/",
    ):
        assert browser.get(url).status_code == 404, url
    assert client_for(investigator).get(f"/partners/referrals/{referral.pk}/").status_code == 200


def test_the_case_page_has_bounded_queries(
    client_for, investigator, case, agency, contact, django_assert_max_num_queries
):
    for _ in range(15):
        make_communication(actor=investigator, agency=agency, contact=contact, case=case)
        make_request(actor=investigator, agency=agency, contact=contact, case=case)
    browser = client_for(investigator)
    with django_assert_max_num_queries(14):
        response = browser.get(f"/partners/cases/{case.number}/")
    assert response.content.decode().count("Preservation request") == 15


def test_a_contact_of_another_agency_is_refused_on_the_form(
    client_for, investigator, case, agency, other_agency
):
    stranger = make_contact(actor=investigator, agency=other_agency, name="Pat Example")
    response = client_for(investigator).post(
        f"/partners/cases/{case.number}/communications/new/",
        {
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "direction": "out",
            "channel": "email",
            "agency": agency.pk,
            "contact": stranger.pk,
            "handling_code": "le_only",
            "summary": "Sent the synthetic request form",
        },
    )
    assert response.status_code == 200
    assert "choose a contact of this agency" in response.content.decode()
    assert not Communication.objects.exists()


def test_an_outgoing_communication_without_handling_code_is_refused_on_the_form(
    client_for, investigator, case, agency
):
    response = client_for(investigator).post(
        f"/partners/cases/{case.number}/communications/new/",
        {
            "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "direction": "out",
            "channel": "phone",
            "agency": agency.pk,
            "summary": "Called the duty officer",
        },
    )
    assert "a handling code is required" in response.content.decode()
    assert not Communication.objects.exists()


def test_the_export_carries_the_handling_code_and_is_audited(
    client_for, investigator, case, agency
):
    make_communication(actor=investigator, agency=agency, case=case, handling_code="partners")
    response = client_for(investigator).get(f"/partners/cases/{case.number}/communications.csv")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "handling code" in body.splitlines()[0]
    assert "May be shared with partners" in body
    assert AuditEvent.objects.filter(action="communication.export", case_id=case.pk).exists()


def test_answering_a_draft_on_the_page_is_refused(client_for, investigator, case, agency):
    partner_request = make_request(actor=investigator, agency=agency, case=case)
    response = client_for(investigator).post(
        f"/partners/requests/{partner_request.pk}/status/", {"status": "fulfilled"}
    )
    assert response.status_code == 400
    assert "never sent" in response.content.decode()
    assert PartnerRequest.objects.get(pk=partner_request.pk).status == "draft"


def test_sending_then_answering_on_the_page(client_for, investigator, case, agency):
    partner_request = make_request(actor=investigator, agency=agency, case=case)
    browser = client_for(investigator)
    url = f"/partners/requests/{partner_request.pk}/status/"
    assert browser.post(url, {"status": "sent", "external_reference": "X-1"}).status_code == 302
    assert browser.post(url, {"status": "refused", "note": "Out of scope"}).status_code == 302
    partner_request.refresh_from_db()
    assert partner_request.status == "refused"
    assert partner_request.external_reference == "X-1"
    assert (
        "Out of scope" in browser.get(f"/partners/requests/{partner_request.pk}/").content.decode()
    )


def test_referring_out_a_case_from_the_page(client_for, investigator, case, agency):
    response = client_for(investigator).post(
        f"/partners/cases/{case.number}/refer-out/",
        {"agency": agency.pk, "handling_code": "le_only", "summary": "Synthetic case summary"},
    )
    assert response.status_code == 302
    sent = PartnerRequest.objects.get(kind="referral_out")
    assert sent.status == "sent"
    assert sent.handling_code == "le_only"


def test_the_supervisor_sees_slowest_partners_first(
    client_for,
    investigator,
    supervisor,
    outside_supervisor,
    case,
    agency,
    other_agency,
    django_assert_max_num_queries,
):
    now = timezone.now()
    for target, days in ((agency, 3), (other_agency, 40)):
        partner_request = make_request(actor=investigator, agency=target, case=case)
        services.request_send(
            actor=investigator, request=partner_request, sent_at=now - timedelta(days=days)
        )
    browser = client_for(supervisor)
    with django_assert_max_num_queries(10):
        body = browser.get("/partners/supervision/").content.decode()
    assert body.index("Example Provider") < body.index("Example Police Service")
    other = client_for(outside_supervisor).get("/partners/supervision/").content.decode()
    assert "Example Provider" not in other
    assert "No open requests." in other


def test_choosing_an_agency_narrows_the_contacts(
    client_for, investigator, outsider, agency, other_agency, contact
):
    make_contact(actor=investigator, agency=other_agency, name="Pat Example")
    body = client_for(outsider).get(f"/partners/contacts/options/?agency={agency.pk}").content
    assert "Camille Exemple" in body.decode()
    assert "Pat Example" not in body.decode()


def test_a_communication_can_be_tied_to_a_request_of_the_case(
    client_for, investigator, case, agency
):
    partner_request = make_request(actor=investigator, agency=agency, case=case)
    response = client_for(investigator).post(
        f"/partners/cases/{case.number}/communications/new/",
        {
            "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "direction": "in",
            "channel": "email",
            "agency": agency.pk,
            "request": partner_request.pk,
            "summary": "Provider asked for a clarification",
        },
    )
    assert response.status_code == 302
    assert Communication.objects.get().request == partner_request


def test_the_home_page_counts_open_partner_requests(
    client_for, investigator, supervisor, outsider, case, agency
):
    partner_request = make_request(actor=investigator, agency=agency, case=case)
    services.request_send(
        actor=investigator, request=partner_request, sent_at=timezone.now() - timedelta(days=12)
    )
    body = client_for(supervisor).get("/").content.decode()
    assert "1 open request to partners" in body
    assert "Example Police Service, waiting 12 days" in body
    assert (
        "Partner requests" not in client_for(outsider).get("/").content.decode().split("</nav>")[1]
    )


def test_partner_work_on_a_referral_follows_it_into_its_case(
    client_for, api_for, investigator, case, agency
):
    from casework.referrals.services import referral_accept

    referral = make_referral(actor=investigator, reference="SYN-ACCEPT-1")
    make_communication(
        actor=investigator, agency=agency, referral=referral, summary="Asked the hotline"
    )
    referral_accept(actor=investigator, referral=referral, case=case)
    body = client_for(investigator).get(f"/partners/cases/{case.number}/").content.decode()
    assert "Asked the hotline" in body
    assert f'on referral <a href="/referrals/{referral.pk}/">SYN-ACCEPT-1</a>' in body
    listed = (
        api_for(investigator)
        .get("/api/v1/partners/communications/", {"case": case.number})
        .json()["results"]
    )
    assert [c["summary"] for c in listed] == ["Asked the hotline"]


def test_the_export_never_lets_a_cell_run_as_a_formula(client_for, investigator, case, agency):
    make_communication(
        actor=investigator, agency=agency, case=case, summary='=HYPERLINK("x") synthetic 0042'
    )
    body = client_for(investigator).get(f"/partners/cases/{case.number}/communications.csv")
    text = body.content.decode()
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text

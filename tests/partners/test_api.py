from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.partners import services
from casework.partners.models import Agency, Communication, Contact, PartnerRequest
from tests.partners.factories import (
    make_agency,
    make_communication,
    make_contact,
    make_referral,
    make_request,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/partners"


def test_the_directory_is_listed_and_searched(api_for, investigator, auditor):
    make_agency(actor=investigator, name="Example Police Service", country="FR")
    make_agency(actor=investigator, name="Example Hotline", country="DE", kind="hotline")
    response = api_for(auditor).get(f"{BASE}/agencies/", {"q": "hotline"})
    assert response.status_code == 200
    assert [a["name"] for a in response.json()["results"]] == ["Example Hotline"]
    assert response.json()["next"] is None


def test_the_directory_pages_with_a_cursor(api_for, investigator):
    for n in range(5):
        make_agency(actor=investigator, name=f"Example Police Service {n}")
    first = api_for(investigator).get(f"{BASE}/agencies/", {"page_size": 2}).json()
    assert [a["name"][-1] for a in first["results"]] == ["0", "1"]
    second = api_for(investigator).get(first["next"]).json()
    assert [a["name"][-1] for a in second["results"]] == ["2", "3"]


def test_the_directory_list_has_bounded_queries(
    api_for, investigator, django_assert_max_num_queries
):
    for n in range(20):
        agency = make_agency(actor=investigator, name=f"Example Police Service {n:02d}")
        contact = make_contact(actor=investigator, agency=agency)
        services.agency_update(actor=investigator, agency=agency, duty_contact=contact)
    api = api_for(investigator)
    with django_assert_max_num_queries(4):
        response = api.get(f"{BASE}/agencies/")
    assert len(response.json()["results"]) == 20


def test_an_unknown_country_is_a_problem_detail(api_for, investigator):
    response = api_for(investigator).post(
        f"{BASE}/agencies/",
        {"name": "Example Police Service (ZZ)", "country": "ZZ", "kind": "police"},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "country"
    assert not Agency.objects.exists()


def test_a_contact_is_added_changed_and_its_history_listed(api_for, investigator, agency):
    api = api_for(investigator)
    created = api.post(
        f"{BASE}/agencies/{agency.pk}/contacts/",
        {"name": "Dana Example", "languages": ["fr"], "time_zone": "Europe/Paris"},
        format="json",
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    changed = api.patch(
        f"{BASE}/contacts/{contact_id}/", {"phone": "+33 1 00 00 00 00"}, format="json"
    )
    assert changed.json()["version"] == 2
    history = api.get(f"{BASE}/contacts/{contact_id}/history/").json()["results"]
    assert [v["version"] for v in history] == [2, 1]
    assert history[1]["snapshot"]["phone"] == ""
    listed = api.get(f"{BASE}/agencies/{agency.pk}/contacts/").json()["results"]
    assert [c["name"] for c in listed] == ["Dana Example"]


def test_a_bad_time_zone_on_a_contact_is_refused(api_for, investigator, contact):
    response = api_for(investigator).patch(
        f"{BASE}/contacts/{contact.pk}/", {"time_zone": "Nowhere/Land"}, format="json"
    )
    assert response.status_code == 400
    assert Contact.objects.get(pk=contact.pk).time_zone == "Europe/Paris"


def test_a_communication_is_logged_and_listed_with_its_handling_code(
    api_for, investigator, case, agency, contact
):
    api = api_for(investigator)
    response = api.post(
        f"{BASE}/communications/",
        {
            "case": case.number,
            "direction": "out",
            "channel": "secure",
            "agency": agency.pk,
            "contact": contact.pk,
            "handling_code": "originator",
            "summary": "Shared identifiers of synthetic case 0042",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    listed = api.get(f"{BASE}/communications/", {"case": case.number}).json()["results"]
    assert listed[0]["handling_code"] == "originator"
    assert listed[0]["handling_code_label"] == "Originator only"
    assert listed[0]["case"] == case.number


@pytest.mark.parametrize(
    ("change", "field"),
    [({"handling_code": ""}, "handling_code"), ({"contact": "other"}, "contact")],
)
def test_a_bad_communication_writes_nothing(
    api_for, investigator, case, agency, other_agency, change, field
):
    stranger = make_contact(actor=investigator, agency=other_agency)
    body = {
        "case": case.number,
        "direction": "out",
        "channel": "email",
        "agency": agency.pk,
        "handling_code": "le_only",
        "summary": "Synthetic",
    }
    body.update(change)
    if body.get("contact") == "other":
        body["contact"] = stranger.pk
    response = api_for(investigator).post(f"{BASE}/communications/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not Communication.objects.exists()


def test_a_request_is_drafted_sent_and_answered(api_for, investigator, case, agency):
    api = api_for(investigator)
    created = api.post(
        f"{BASE}/requests/",
        {
            "case": case.number,
            "direction": "out",
            "kind": "production",
            "legal_basis": "eu_e_evidence",
            "agency": agency.pk,
            "handling_code": "le_only",
            "summary": "Subscriber data for account user_8812",
        },
        format="json",
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    assert created.json()["allowed_next"] == ["sent", "withdrawn"]
    never_sent = api.post(
        f"{BASE}/requests/{request_id}/status/", {"status": "fulfilled"}, format="json"
    )
    assert never_sent.status_code == 409
    assert "never sent" in never_sent.json()["detail"]
    sent = api.post(f"{BASE}/requests/{request_id}/status/", {"status": "sent"}, format="json")
    assert sent.json()["status"] == "sent"
    done = api.post(
        f"{BASE}/requests/{request_id}/status/",
        {"status": "fulfilled", "external_reference": "EPOC-1"},
        format="json",
    )
    assert done.json()["status"] == "fulfilled"
    assert done.json()["external_reference"] == "EPOC-1"


def test_the_request_list_has_bounded_queries(
    api_for, investigator, case, agency, contact, django_assert_max_num_queries
):
    for _ in range(20):
        make_request(actor=investigator, agency=agency, contact=contact, case=case)
    api = api_for(investigator)
    with django_assert_max_num_queries(5):
        response = api.get(f"{BASE}/requests/", {"case": case.number})
    assert len(response.json()["results"]) == 20


def test_the_communication_list_has_bounded_queries(
    api_for, investigator, case, agency, contact, django_assert_max_num_queries
):
    for _ in range(20):
        make_communication(actor=investigator, agency=agency, contact=contact, case=case)
    api = api_for(investigator)
    with django_assert_max_num_queries(5):
        response = api.get(f"{BASE}/communications/")
    assert len(response.json()["results"]) == 20


def test_refer_out_through_the_api(api_for, investigator, agency):
    referral = make_referral(actor=investigator)
    response = api_for(investigator).post(
        f"{BASE}/refer-out/",
        {
            "referral": referral.pk,
            "agency": agency.pk,
            "handling_code": "le_only",
            "summary": "Synthetic referral and its identifiers",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "referral_out"
    assert response.json()["referral"] == referral.pk


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor"])
def test_an_outsider_gets_404_or_nothing_on_every_route(
    request, api_for, investigator, case, agency, persona
):
    communication = make_communication(actor=investigator, agency=agency, case=case)
    partner_request = make_request(actor=investigator, agency=agency, case=case)
    services.request_send(actor=investigator, request=partner_request)
    api = api_for(request.getfixturevalue(persona))
    for url in (
        f"{BASE}/communications/{communication.pk}/",
        f"{BASE}/requests/{partner_request.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.get(f"{BASE}/communications/", {"case": case.number}).status_code == 404
    assert api.get(f"{BASE}/requests/", {"case": case.number}).status_code == 404
    assert api.get(f"{BASE}/communications/").json()["results"] == []
    assert api.get(f"{BASE}/requests/").json()["results"] == []
    assert api.get(f"{BASE}/supervision/open/").json() == []
    moved = api.post(
        f"{BASE}/requests/{partner_request.pk}/status/", {"status": "refused"}, format="json"
    )
    assert moved.status_code == 404
    posted = api.post(
        f"{BASE}/communications/",
        {
            "case": case.number,
            "direction": "in",
            "channel": "email",
            "agency": agency.pk,
            "summary": "Synthetic",
        },
        format="json",
    )
    assert posted.status_code == 404
    refer = api.post(
        f"{BASE}/refer-out/",
        {"case": case.number, "agency": agency.pk, "handling_code": "le_only", "summary": "S"},
        format="json",
    )
    assert refer.status_code == 404
    assert PartnerRequest.objects.count() == 1
    assert Communication.objects.count() == 1


def test_the_supervision_figures(api_for, investigator, supervisor, case, agency, other_agency):
    now = timezone.now()
    for target, sent_days, answer_days in (
        (agency, 10, 2),
        (agency, 10, 4),
        (agency, 10, 9),
        (other_agency, 30, 20),
        (other_agency, 5, None),
    ):
        partner_request = make_request(actor=investigator, agency=target, case=case)
        services.request_send(
            actor=investigator, request=partner_request, sent_at=now - timedelta(days=sent_days)
        )
        if answer_days is not None:
            services.request_answer(
                actor=investigator,
                request=partner_request,
                outcome="fulfilled",
                answered_at=now - timedelta(days=sent_days) + timedelta(days=answer_days),
            )
    api = api_for(supervisor)
    times = api.get(f"{BASE}/supervision/response-times/").json()
    assert [(row["agency_name"], row["answered"]) for row in times] == [
        ("Example Provider", 1),
        ("Example Police Service", 3),
    ]
    assert times[1]["median_days"] == pytest.approx(4.0)
    assert times[0]["median_days"] == pytest.approx(20.0)
    open_rows = api.get(f"{BASE}/supervision/open/").json()
    assert [(row["agency_name"], row["open_count"]) for row in open_rows] == [
        ("Example Provider", 1)
    ]
    assert open_rows[0]["under_week"] == 1


# --- issue 23: a filter value that means nothing is a 400 ---------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("requests/", {"status": "bogus"}, "status"),
        ("requests/", {"kind": "bogus"}, "kind"),
        ("requests/", {"agency": "abc"}, "agency"),
        ("requests/", {"referral": "12a"}, "referral"),
        ("requests/", {"case": "N\x01"}, "case"),
        ("communications/", {"case": "x" * 5000}, "case"),
        ("communications/", {"referral": "-1"}, "referral"),
        ("agencies/", {"kind": "bogus"}, "kind"),
        ("agencies/", {"icse": "perhaps"}, "icse"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_it(api_for, investigator, path, params, field):
    response = api_for(investigator).get(f"{BASE}/{path}", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_the_schema_says_the_duty_contact_may_be_null(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    duty = schema["components"]["schemas"]["Agency"]["properties"]["duty_contact"]
    assert {"type": "null"} in duty.get("oneOf", [])


def test_the_schema_documents_each_lists_filters(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    def names(path: str) -> set[str]:
        return {p["name"] for p in schema["paths"][f"{BASE}/{path}"]["get"]["parameters"]}

    assert {"q", "country", "kind", "icse"} <= names("agencies/")
    assert {"case", "referral"} <= names("communications/")
    assert {"case", "referral", "status", "kind", "agency"} <= names("requests/")

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.referrals.models import DuplicateArrival, Referral
from tests.cases.factories import make_case
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

BODY = {
    "source_kind": "industry",
    "source_agency": "Example Service Provider",
    "source_reference": "API-1",
    "received_at": "2026-03-01T09:00:00Z",
    "priority": "P1",
    "incident_type": "misleading-domain",
    "escalation_requested": True,
    "summary": "Synthetic referral 0001.",
    "identifiers": [
        {"kind": "email", "value": "User_1@Example.invalid"},
        {"kind": "ip_address", "value": "192.0.2.10", "ip_event": "login", "port": 51000},
    ],
}


def test_it_records_a_referral(api_for, investigator):
    response = api_for(investigator).post("/api/v1/referrals/", BODY, format="json")
    assert response.status_code == 201, response.data
    assert response.data["priority"] == "P1" and response.data["unit"] == "north"
    assert response.data["triage_due_at"] == "2026-03-02T09:00:00Z"
    assert [i["normal"] for i in response.data["identifiers"]] == [
        "user_1@example.invalid",
        "192.0.2.10",
    ]
    assert Referral.objects.get().channel == "api"


def test_invalid_input_is_problem_details_with_field_errors(api_for, investigator):
    body = {
        **BODY,
        "priority": "P1",
        "received_at": "2026-03-01T09:00:00Z",
        "identifiers": [{"kind": "phone", "value": "12"}],
    }
    response = api_for(investigator).post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.data["errors"][0]["field"] == "identifiers[0].value"
    shape = api_for(investigator).post("/api/v1/referrals/", {"source_kind": "x"}, format="json")
    assert {e["field"] for e in shape.data["errors"]} >= {"source_kind", "received_at"}
    assert not Referral.objects.exists()


def test_a_duplicate_is_409_and_linked(api_for, investigator):
    client = api_for(investigator)
    first = client.post("/api/v1/referrals/", BODY, format="json")
    again = client.post("/api/v1/referrals/", BODY, format="json")
    assert again.status_code == 409
    assert again.data["duplicate_of"] == first.data["id"]
    assert DuplicateArrival.objects.get().referral_id == first.data["id"]
    assert Referral.objects.count() == 1


def test_a_duplicate_of_another_unit_names_only_the_unit(api_for, investigator, outsider):
    api_for(investigator).post("/api/v1/referrals/", BODY, format="json")
    again = api_for(outsider).post("/api/v1/referrals/", BODY, format="json")
    assert again.status_code == 409
    assert "duplicate_of" not in again.data
    assert "North Unit" in again.data["detail"]


def test_the_queue_pages_by_time_left(api_for, investigator):
    make_referral(actor=investigator, source_reference="LATER", priority="P4")
    make_referral(actor=investigator, source_reference="FIRST", priority="P1")
    response = api_for(investigator).get("/api/v1/referrals/?page_size=1")
    assert [r["source_reference"] for r in response.data["results"]] == ["FIRST"]
    following = api_for(investigator).get(response.data["next"])
    assert [r["source_reference"] for r in following.data["results"]] == ["LATER"]


def test_a_bad_filter_is_a_400(api_for, investigator):
    response = api_for(investigator).get("/api/v1/referrals/?priority=P9")
    assert response.status_code == 400
    assert response.data["errors"][0]["field"] == "priority"


def test_triage_through_the_api(api_for, investigator):
    referral = make_referral(actor=investigator)
    client = api_for(investigator)
    base = f"/api/v1/referrals/{referral.pk}/"
    assert client.post(base + "triage/").data["status"] == "in_triage"
    added = client.post(
        base + "identifiers/", {"kind": "phone", "value": "+44 7700 900001"}, format="json"
    )
    assert added.status_code == 201 and added.data["normal"] == "+447700900001"
    accepted = client.post(base + "accept/", {"title": "Synthetic"}, format="json")
    assert accepted.status_code == 200 and accepted.data["status"] == "accepted"
    refused = client.post(base + "decline/", {"reason": "Late."}, format="json")
    assert refused.status_code == 400
    assert refused.data["errors"][0]["code"] == "illegal_transition"


def test_accepting_into_an_existing_case_by_number(api_for, investigator):
    case = make_case(lead=investigator)
    referral = make_referral(actor=investigator)
    response = api_for(investigator).post(
        f"/api/v1/referrals/{referral.pk}/accept/", {"case": case.number}, format="json"
    )
    assert response.data["case"] == case.number


def test_decline_and_refer_out(api_for, investigator):
    one = make_referral(actor=investigator)
    two = make_referral(actor=investigator)
    client = api_for(investigator)
    declined = client.post(
        f"/api/v1/referrals/{one.pk}/decline/", {"reason": "No offence."}, format="json"
    )
    assert declined.data["decline_reason"] == "No offence."
    out = client.post(
        f"/api/v1/referrals/{two.pk}/refer-out/",
        {"agency_name": "Example Foreign Police"},
        format="json",
    )
    assert out.data["status"] == "referred_out"


def test_the_detail_view_is_audited(api_for, investigator):
    referral = make_referral(actor=investigator)
    response = api_for(investigator).get(f"/api/v1/referrals/{referral.pk}/")
    assert response.status_code == 200 and len(response.data["identifiers"]) == 1
    assert AuditEvent.objects.filter(action="referral.view", object_id=str(referral.pk)).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "identifiers/"),
        ("post", "identifiers/"),
        ("post", "triage/"),
        ("post", "accept/"),
        ("post", "decline/"),
        ("post", "refer-out/"),
    ],
)
def test_every_route_is_404_for_an_outsider(api_for, investigator, outsider, method, path):
    referral = make_referral(actor=investigator)
    client = api_for(outsider)
    url = f"/api/v1/referrals/{referral.pk}/{path}"
    body = {"reason": "x", "agency_name": "x", "kind": "email", "value": "a@example.invalid"}
    response = client.get(url) if method == "get" else client.post(url, body, format="json")
    assert response.status_code == 404
    assert Referral.objects.get().status == "new"


def test_the_outsider_lists_and_counts_none_of_north(api_for, investigator, outsider):
    make_referral(actor=investigator)
    for status in ("open", "all"):
        response = api_for(outsider).get(f"/api/v1/referrals/?status={status}")
        assert response.data["results"] == []


def test_the_auditor_lists_nothing(api_for, investigator, auditor):
    make_referral(actor=investigator)
    assert api_for(auditor).get("/api/v1/referrals/?status=all").data["results"] == []


def test_the_incident_types_are_listed(api_for, investigator):
    response = api_for(investigator).get("/api/v1/referrals/incident-types/")
    assert len(response.data) == 8


def test_the_schema_documents_the_referral_routes(api_for, administrator):
    response = api_for(administrator).get("/api/v1/schema/?format=json")
    paths = response.json()["paths"]
    assert "/api/v1/referrals/" in paths
    assert "/api/v1/referrals/{id}/accept/" in paths


def test_the_api_queue_runs_a_bounded_number_of_queries(
    api_for, investigator, django_assert_max_num_queries
):
    for _ in range(30):
        make_referral(actor=investigator)
    client = api_for(investigator)
    client.get("/api/v1/referrals/")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/referrals/")
    assert len(response.data["results"]) == 30

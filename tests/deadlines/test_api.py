"""The deadlines API: list, detail, create, meet, waive, extend; problem details; outsiders 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.deadlines import services
from casework.deadlines.models import Deadline

pytestmark = pytest.mark.django_db

URL = "/api/v1/deadlines/"


@pytest.fixture
def court_date(investigator, north_case):
    return services.deadline_start(
        actor=investigator,
        kind="court_date",
        case=north_case,
        due_at=datetime.now(UTC) + timedelta(days=3),
    )


def test_it_lists_my_deadlines_by_due_time(api_for, investigator, court_date):
    body = api_for(investigator).get(URL).json()
    kinds = [row["kind"] for row in body["results"]]
    assert kinds == ["court_date", "case_review"]
    assert body["results"][0]["case"] == court_date.case.number


def test_the_outsider_gets_404_and_empty_lists(api_for, outsider, court_date):
    api = api_for(outsider)
    assert api.get(URL).json()["results"] == []
    assert api.get(URL, {"scope": "visible"}).json()["results"] == []
    base = f"{URL}{court_date.reference}/"
    assert api.get(base).status_code == 404
    for action, data in (("meet/", {}), ("waive/", {"reason": "x"}), ("extend/", {"reason": "x"})):
        response = api.post(base + action, data, format="json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    court_date.refresh_from_db()
    assert court_date.state == "open"
    response = api.post(
        URL,
        {"kind": "court_date", "case": court_date.case.number, "due_at": "2027-01-01T10:00Z"},
        format="json",
    )
    assert response.status_code == 404
    assert Deadline.objects.filter(kind="court_date").count() == 1


def test_the_unit_scope_is_for_supervisors(api_for, investigator, supervisor, court_date):
    assert api_for(investigator).get(URL, {"scope": "unit"}).status_code == 404
    rows = api_for(supervisor).get(URL, {"scope": "unit"}).json()["results"]
    assert {row["kind"] for row in rows} == {"court_date", "case_review"}


def test_filters_by_state_kind_and_case(api_for, investigator, court_date):
    api = api_for(investigator)
    assert [r["kind"] for r in api.get(URL, {"kind": "court_date"}).json()["results"]] == [
        "court_date"
    ]
    assert api.get(URL, {"state": "met"}).json()["results"] == []
    assert api.get(URL, {"state": "nonsense"}).status_code == 400


def test_it_creates_meets_waives_and_extends(api_for, investigator, supervisor, north_case):
    api = api_for(investigator)
    created = api.post(
        URL,
        {"kind": "eu_preservation_order", "case": north_case.number, "jurisdiction": "DE"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    extended = api.post(f"{URL}{reference}/extend/", {"reason": "Awaiting EPOC"}, format="json")
    assert extended.status_code == 201
    new_reference = extended.json()["reference"]
    assert api.get(f"{URL}{reference}/").json()["extended_to"] == new_reference
    waived = api.post(f"{URL}{new_reference}/waive/", {"reason": "Not needed"}, format="json")
    assert waived.status_code == 403  # waiving is a supervisor's decision
    waived = api_for(supervisor).post(f"{URL}{new_reference}/waive/", {"reason": ""}, format="json")
    assert waived.status_code == 400
    assert waived.json()["errors"][0]["field"] == "reason"
    assert api.post(f"{URL}{new_reference}/meet/").json()["state"] == "met"
    again = api.post(f"{URL}{new_reference}/meet/")
    assert again.status_code == 409


def test_refusals_are_problem_details(api_for, investigator, north_case):
    response = api_for(investigator).post(
        URL,
        {"kind": "court_date", "case": north_case.number, "time_zone": "Atlantis/Central"},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "time_zone"


def test_the_rules_are_listed_with_their_citations(api_for, auditor):
    rules = api_for(auditor).get(f"{URL}rules/").json()
    by_kind = {(r["kind"], r["priority"]): r for r in rules}
    assert "2703(f)" in by_kind[("preservation_us_2703f", "")]["citation"]
    assert by_kind[("referral_triage", "P1")]["duration"] == "24 hours"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "bogus"}, "kind"),
        ({"kind": "court_date,bogus"}, "kind"),
        ({"scope": "galaxy"}, "scope"),
        ({"case": "N\x1b"}, "case"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_it(api_for, investigator, params, field):
    response = api_for(investigator).get(URL, params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_the_schema_says_referral_and_extension_may_be_null(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    deadline = schema["components"]["schemas"]["Deadline"]["properties"]
    assert "null" in deadline["referral"]["type"] and "null" in deadline["extended_to"]["type"]

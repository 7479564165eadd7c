"""GET /api/v1/search/: the same groups as the page, problem details on bad input."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.privacy.crypto import fingerprint_hex, searched_text

pytestmark = pytest.mark.django_db


def test_it_answers_groups_with_counts_and_links(api_for, investigator, world):
    response = api_for(investigator).get("/api/v1/search/", {"q": " user_000003 "})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "user_000003"
    groups = {group["kind"]: group for group in body["groups"]}
    assert list(groups) == [
        "cases",
        "referrals",
        "evidence",
        "partner_requests",
        "case_identifiers",
        "referral_identifiers",
    ]
    assert groups["case_identifiers"]["count"] == 1
    assert groups["case_identifiers"]["count_is_capped"] is False
    assert groups["case_identifiers"]["results"] == [
        {
            "reference": "user_000003",
            "summary": f"Screen name / user name (Example-Service) on case "
            f"{world.north_case.number}, Synthetic case north",
            "url": f"/cases/{world.north_case.number}/identifiers/",
        }
    ]
    assert body["total"] == 2
    event = AuditEvent.objects.filter(action="search.run", actor=investigator).latest("id")
    assert event.details == {**searched_text("user_000003"), "via": "api"}
    assert fingerprint_hex("screen_name", "user_000003") in event.details["q_fingerprints"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "Give something to search for"),
        ({"q": "   "}, "Give something to search for"),
        ({"q": "x" * 10_000}, "200 characters or fewer"),
        ({"q": "a\x07b"}, "control character (U+0007)"),
        ({"q": "["}, "at least one letter or digit"),
    ],
)
def test_bad_input_is_a_problem_with_the_field(api_for, investigator, params, fragment):
    response = api_for(investigator).get("/api/v1/search/", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 400
    assert body["errors"][0]["field"] == "q"
    assert fragment in body["errors"][0]["message"]


def test_a_nul_is_a_problem_before_the_view_runs(api_for, investigator):
    response = api_for(investigator).get("/api/v1/search/?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")


def test_it_needs_a_signed_in_user(client):
    response = client.get("/api/v1/search/", {"q": "north"})
    assert response.status_code in (401, 403)


def test_the_schema_describes_the_groups(api_for, investigator):
    schema = api_for(investigator).get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert operation["operationId"] == "search"
    assert [p["name"] for p in operation["parameters"]] == ["q"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    results = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(results["properties"]) == {"query", "total", "groups"}
    assert "400" in operation["responses"]

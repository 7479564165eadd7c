from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from casework.core.api import problem_details_exception_handler
from casework.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_me_tells_the_user_who_they_are(api_for, investigator):
    response = api_for(investigator).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": "inv.north",
        "full_name": investigator.get_full_name(),
        "unit": {"code": "north", "name": "North Unit"},
        "roles": ["investigator"],
    }


def test_anonymous_callers_get_problem_details(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == response.status_code
    assert body["title"] and body["detail"]


def test_token_authentication_works(client, investigator):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=investigator)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["username"] == "inv.north"


def test_validation_errors_carry_each_field():
    class Payload(serializers.Serializer):
        email = serializers.EmailField()
        identifiers = serializers.ListField(child=serializers.IntegerField())

    serializer = Payload(data={"email": "not-an-email", "identifiers": [1, "x"]})
    with pytest.raises(ValidationError) as caught:
        serializer.is_valid(raise_exception=True)
    response = problem_details_exception_handler(caught.value, {})
    assert response.status_code == 400
    fields = {error["field"] for error in response.data["errors"]}
    assert fields == {"email", "identifiers.1"} or fields == {"email", "identifiers"}
    assert "email" in response.data["detail"]


def test_domain_errors_become_problem_details_with_the_field():
    error = DomainError("The referral was already received from this source.", field="reference")
    response = problem_details_exception_handler(error, {})
    assert response.status_code == 400
    assert response.data["errors"] == [
        {
            "field": "reference",
            "message": "The referral was already received from this source.",
            "code": "invalid",
        }
    ]


def test_the_schema_and_docs_are_served_without_any_cdn(client_for, investigator):
    client = client_for(investigator)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Casework API"
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_every_response_has_a_request_id(client):
    response = client.get("/accounts/sign-in/")
    assert len(response["X-Request-ID"]) == 32


def test_the_whole_schema_generates_without_a_warning(tmp_path):
    from django.core.management import call_command

    # Warnings mean an integrator gets a wrong or ambiguous contract (colliding names, an
    # endpoint whose model could not be resolved); --fail-on-warn turns them into a failure.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/cases/" in target.read_text()


def test_anonymous_callers_get_401_with_a_challenge(client):
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cases/NORTH-2026-000001/victims/-1/", "/api/v1/partners/requests/%0A-/status/"],
)
def test_an_unknown_api_route_is_a_problem_detail(api_for, investigator, path):
    response = api_for(investigator).post(path, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_every_operation_documents_its_problem_responses(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404", "414"):
                content = operation["responses"][code]["content"]
                assert "application/problem+json" in content, (method, path, code)
            if method != "get":
                assert "409" in operation["responses"] and "415" in operation["responses"]


def test_the_schema_says_which_fields_may_be_null(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    nullable = {
        "Referral": ["case", "incident_type"],
        "EvidenceItem": ["current_holder"],
        "CustodyEvent": ["released_by", "received_by"],
        "CustodySignOff": ["event", "decided_by"],
    }
    for component, fields in nullable.items():
        for field in fields:
            assert "null" in str(components[component]["properties"][field]), (component, field)


def test_the_browsable_api_draws_every_list_without_parameters(client, api_for, investigator):
    from tests.cases.factories import make_case

    make_case(lead=investigator)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    api = api_for(investigator)
    for path, item in schema["paths"].items():
        if "get" in item and "{" not in path:
            response = api.get(path, HTTP_ACCEPT="text/html")
            assert response.status_code < 500, path

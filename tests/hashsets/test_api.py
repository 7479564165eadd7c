"""The register's API: create, send the manifest as the JSON body, share, acknowledge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.hashsets.models import HashSet
from tests.hashsets.factories import vics_entry, vics_manifest

pytestmark = pytest.mark.django_db


def test_an_integration_registers_a_set_and_sends_its_manifest(api_for, case, item, investigator):
    api = api_for(investigator)
    created = api.post(
        reverse("hashsets-api:sets"),
        {
            "case": case.number,
            "exhibit_number": item.exhibit_number,
            "set_identifier": "HS-API-1",
            "store_reference": "DEMS-SET-000001",
            "made_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = reverse("hashsets-api:set-manifest", args=[created.json()["id"]])
    raw = vics_manifest([vics_entry(1, 1), vics_entry(2, 2), vics_entry(3, 2)])
    response = api.post(url, raw, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["counts"] == {"1": 1, "2": 2}
    assert len(response.json()["manifest_sha256"]) == 64


def test_a_manifest_with_a_thumbnail_is_a_problem_with_field_errors(
    api_for, hash_set, investigator
):
    url = reverse("hashsets-api:set-manifest", args=[hash_set.public_id])
    raw = vics_manifest([vics_entry(1), vics_entry(2, Thumbnail="AAAA")])
    response = api_for(investigator).post(url, raw, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["field"] == "value[1].Thumbnail"
    assert error["message"].startswith("line ")
    hash_set.refresh_from_db()
    assert hash_set.manifest_sha256 == ""


@pytest.mark.parametrize("body", [b"", b"{not json", b"\x00\x01"])
def test_a_body_that_is_not_json_is_a_problem_not_a_500(api_for, hash_set, investigator, body):
    url = reverse("hashsets-api:set-manifest", args=[hash_set.public_id])
    response = api_for(investigator).post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "manifest"


def test_sharing_and_acknowledging_through_the_api(api_for, hash_set, investigator):
    api = api_for(investigator)
    shared = api.post(
        reverse("hashsets-api:set-sharings", args=[hash_set.public_id]),
        {"destination": "national", "shared_at": timezone.now().isoformat()},
        format="json",
    )
    assert shared.status_code == 201, shared.content
    ack = api.post(
        reverse("hashsets-api:sharing-acknowledgement", args=[shared.json()["id"]]),
        {"acknowledged_at": timezone.now().isoformat(), "acknowledgement": "Loaded"},
        format="json",
    )
    assert ack.status_code == 200
    assert ack.json()["acknowledgement"] == "Loaded"


def test_the_register_list_pages_and_refuses_unknown_filters(
    api_for, hash_set, investigator, django_assert_max_num_queries
):
    api = api_for(investigator)
    with django_assert_max_num_queries(12):
        page = api.get(reverse("hashsets-api:sets"))
    assert [row["id"] for row in page.json()["results"]] == [str(hash_set.public_id)]
    assert page.json()["next"] == ""
    assert api.get(reverse("hashsets-api:sets"), {"destination": "moon"}).status_code == 400
    assert api.get(reverse("hashsets-api:sets"), {"after": "x~y"}).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"counts": {"1": -1}}, "counts.1"),
        ({"counts": {"abc": 1}}, "counts"),
        ({"set_identifier": "HS\x07"}, "set_identifier"),
        ({"made_at": "1900-01-01T00:00:00Z"}, "made_at"),
        ({"exhibit_number": "NOPE"}, "exhibit_number"),
    ],
)
def test_a_wrong_set_is_refused_at_its_field(api_for, case, item, investigator, changes, field):
    body = {
        "case": case.number,
        "exhibit_number": item.exhibit_number,
        "set_identifier": "HS-API-2",
        "store_reference": "DEMS-SET-000002",
        "made_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        **changes,
    }
    response = api_for(investigator).post(reverse("hashsets-api:sets"), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field, response.json()
    assert not HashSet.objects.exists()


def test_the_schema_documents_the_registers_filters_and_page(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/hashsets/sets/"]["get"]
    assert operation["operationId"] == "hashsets_sets_list"
    assert {p["name"] for p in operation["parameters"]} == {"case", "destination", "state", "after"}
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][page.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"next", "results"}

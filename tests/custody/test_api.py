from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.audit.models import AuditEvent
from casework.custody import services
from casework.custody.models import EvidenceItem
from tests.custody.factories import SHA256_OF_NOTHING, make_item

pytestmark = pytest.mark.django_db


def ago(hours):
    return (timezone.now() - timedelta(hours=hours)).isoformat()


@pytest.fixture
def sign_off(item, investigator):
    return services.signoff_request(
        actor=investigator,
        item=item,
        kind="disposed",
        started_at=timezone.now() - timedelta(minutes=30),
        authority="Order 5",
    )


def test_every_route_answers_404_to_the_outsider(api_for, case, item, sign_off, outsider):
    api = api_for(outsider)
    event = item.events.get()
    gets = [
        reverse("custody-api:item", args=[item.public_id]),
        reverse("custody-api:item-events", args=[item.public_id]),
        reverse("custody-api:item-report", args=[item.public_id]),
        reverse("custody-api:case-report", args=[case.number]),
        reverse("custody-api:case-export", args=[case.number]),
        reverse("custody-api:items") + f"?case={case.number}",
    ]
    for url in gets:
        assert api.get(url).status_code == 404, url
    posts = [
        reverse("custody-api:item-hashes", args=[item.public_id]),
        reverse("custody-api:item-events", args=[item.public_id]),
        reverse("custody-api:item-sign-offs", args=[item.public_id]),
        reverse("custody-api:event-acknowledge", args=[event.pk]),
        reverse("custody-api:sign-off-countersign", args=[sign_off.pk]),
        reverse("custody-api:sign-off-refuse", args=[sign_off.pk]),
    ]
    for url in posts:
        assert api.post(url, {}, format="json").status_code == 404, url
    listing = api.get(reverse("custody-api:items")).json()
    assert listing["results"] == []
    created = api.post(
        reverse("custody-api:items"),
        {
            "case": case.number,
            "store": item.store.name,
            "store_identifier": "DEMS-2026-999999",
            "exhibit_number": "EXH-X",
            "kind": "device",
            "seized_at": ago(2),
            "seized_place": "X",
            "seizure_authority": "X",
            "seized_by": outsider.username,
        },
        format="json",
    )
    assert created.status_code == 404
    assert EvidenceItem.objects.count() == 1


def test_an_investigator_records_an_item_and_a_chain_through_the_api(
    api_for, case, store, investigator, teammate
):
    api = api_for(investigator)
    response = api.post(
        reverse("custody-api:items"),
        {
            "case": case.number,
            "store": store.name,
            "store_identifier": "DEMS-2026-000777",
            "exhibit_number": "EXH-777",
            "kind": "device",
            "seized_at": ago(10),
            "seized_place": "Synthetic address 7",
            "seizure_authority": "SW-7",
            "seized_by": investigator.username,
            "seal_numbers": ["BAG-7"],
            "hashes": [{"algorithm": "sha256", "value": SHA256_OF_NOTHING}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["current_holder"] == investigator.username
    url = reverse("custody-api:item-events", args=[body["public_id"]])
    transfer = {
        "kind": "transferred",
        "transfer_reason": "Synthetic hand-over for examination",
        "started_at": ago(5),
        "released_by": investigator.username,
        "received_by": teammate.username,
        "seal_state": "intact",
        "expected_last_event": body["last_event"],
    }
    first = api.post(url, transfer, format="json")
    assert first.status_code == 201, first.json()
    again = api.post(url, {**transfer, "received_by": investigator.username}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    detail = api.get(reverse("custody-api:item", args=[body["public_id"]])).json()
    assert [e["kind"] for e in detail["events"]] == ["seized", "transferred"]
    assert detail["current_holder"] == teammate.username


def test_bad_input_is_a_problem_with_the_field(api_for, item, investigator):
    api = api_for(investigator)
    response = api.post(
        reverse("custody-api:item-hashes", args=[item.public_id]),
        {"algorithm": "sha1", "value": "abc"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "value"
    assert "40 hex digits" in response.json()["detail"]


def test_disposal_through_the_api_needs_another_supervisor(
    api_for, item, sign_off, investigator, supervisor
):
    assert (
        api_for(investigator)
        .post(reverse("custody-api:sign-off-countersign", args=[sign_off.pk]))
        .status_code
        == 403
    )
    response = api_for(supervisor).post(
        reverse("custody-api:sign-off-countersign", args=[sign_off.pk])
    )
    assert response.status_code == 201
    assert response.json()["second_signature_by"] == supervisor.username
    after = api_for(investigator).post(
        reverse("custody-api:item-events", args=[item.public_id]),
        {"kind": "sealed", "started_at": ago(0.1)},
        format="json",
    )
    assert after.status_code == 400
    assert "disposed" in after.json()["detail"]


def test_exports_through_the_api_are_audited(api_for, case, item, investigator):
    api = api_for(investigator)
    export = api.get(reverse("custody-api:case-export", args=[case.number]))
    assert export.status_code == 200
    assert export["Content-Type"] == "application/ld+json"
    pdf = api.get(reverse("custody-api:case-report", args=[case.number]))
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="custody_export.case_uco").count() == 1
    assert AuditEvent.objects.filter(action="custody_report.download").count() == 1


def test_the_item_list_is_bounded_in_queries(
    api_for, case, store, investigator, django_assert_max_num_queries
):
    for _ in range(8):
        make_item(case=case, store=store)
    api = api_for(investigator)
    with django_assert_max_num_queries(12):
        response = api.get(reverse("custody-api:items") + f"?case={case.number}")
    assert len(response.json()["results"]) == 8
    with django_assert_max_num_queries(15):
        api.get(reverse("custody-api:item", args=[EvidenceItem.objects.first().public_id]))


# --- issue 23: numbers bounded by what they mean -------------------------------------------------


@pytest.mark.parametrize("offset", [1_000_000, -563_056, 1081, -1081])
def test_an_offset_beyond_18_hours_is_refused_for_an_event(api_for, item, investigator, offset):
    response = api_for(investigator).post(
        reverse("custody-api:item-events", args=[item.public_id]),
        {"kind": "sealed", "started_at": ago(1), "local_offset_minutes": offset},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "local_offset_minutes"
    assert item.events.count() == 1


def test_an_offset_beyond_18_hours_is_refused_for_a_sign_off(api_for, item, investigator):
    response = api_for(investigator).post(
        reverse("custody-api:item-sign-offs", args=[item.public_id]),
        {
            "kind": "released",
            "started_at": ago(1),
            "local_offset_minutes": -563_056,
            "external_party": "Synthetic owner",
            "authority": "Order 5",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "local_offset_minutes"
    assert not item.sign_offs.exists()


def test_a_negative_count_is_refused(api_for, item, investigator):
    response = api_for(investigator).post(
        reverse("custody-api:item-events", args=[item.public_id]),
        {"kind": "submitted", "started_at": ago(1), "count_new": -4},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "count_new"


def test_an_unknown_event_kind_is_refused_and_the_schema_lists_the_kinds(
    api_for, client, item, investigator
):
    response = api_for(investigator).post(
        reverse("custody-api:item-events", args=[item.public_id]),
        {"kind": "teleported", "started_at": ago(1)},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "kind"
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    kind = schema["components"]["schemas"]["CustodyEventInputRequest"]["properties"]["kind"]
    assert "$ref" in str(kind) or "enum" in kind


@pytest.mark.parametrize(
    ("params", "field"),
    [({"hash_mismatch": "perhaps"}, "hash_mismatch"), ({"case": "N\x07"}, "case")],
)
def test_an_item_filter_that_means_nothing_is_a_400(api_for, item, investigator, params, field):
    response = api_for(investigator).get(reverse("custody-api:items"), params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_the_item_list_filters_by_case_and_by_hash_mismatch(api_for, case, store, investigator):
    flagged, plain = make_item(case=case, store=store), make_item(case=case, store=store)
    services.custody_event_record(
        actor=investigator,
        item=flagged,
        kind="hash_verified",
        started_at=timezone.now() - timedelta(hours=1),
        hash_algorithm="sha256",
        hash_value="0" * 64,
        tool_name="Synthetic hasher",
        tool_version="2.1",
    )
    api = api_for(investigator)

    def listed(query: str) -> set[str]:
        response = api.get(reverse("custody-api:items") + query)
        assert response.status_code == 200, response.content
        return {row["exhibit_number"] for row in response.json()["results"]}

    both = {flagged.exhibit_number, plain.exhibit_number}
    assert listed(f"?case={case.number}") == both
    assert listed(f"?case={case.number}&hash_mismatch=true") == {flagged.exhibit_number}
    assert listed("?hash_mismatch=false") == both
    assert api.get(reverse("custody-api:items") + "?case=NORTH-1999-9999").status_code == 404

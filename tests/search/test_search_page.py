"""The search page: one box, results grouped by kind, each linking to its record."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.privacy.crypto import searched_text

pytestmark = pytest.mark.django_db


def _groups(response) -> dict:
    return {group.kind: group for group in response.context["results"].groups}


def test_it_finds_a_case_by_any_part_of_its_number(client_for, investigator, world):
    number = world.north_case.number  # NORTH-2026-000001
    response = client_for(investigator).get("/search/", {"q": number[-8:].lower()})
    assert response.status_code == 200
    cases = _groups(response)["cases"]
    assert [hit.reference for hit in cases.hits] == [number]
    assert f'href="/cases/{number}/"' in response.content.decode()


def test_it_finds_a_case_by_part_of_its_title(client_for, investigator, world):
    response = client_for(investigator).get("/search/", {"q": "case nor"})
    assert [h.reference for h in _groups(response)["cases"].hits] == [world.north_case.number]


def test_it_finds_a_referral_by_its_source_reference(client_for, investigator, world):
    response = client_for(investigator).get("/search/", {"q": "north-00"})
    referrals = _groups(response)["referrals"]
    assert [hit.reference for hit in referrals.hits] == ["SYN-NORTH-0042"]
    assert referrals.hits[0].url == f"/referrals/{world.north_referral.pk}/"


def test_it_finds_evidence_by_exhibit_number_and_store_id(client_for, investigator, world):
    client = client_for(investigator)
    for query in ("nx-0042", "2026-0042", "DEMS-2026-004217"):
        evidence = _groups(client.get("/search/", {"q": query}))["evidence"]
        assert [hit.reference for hit in evidence.hits] == ["NX-0042"], query
        assert evidence.hits[0].url == f"/custody/items/{world.north_item.public_id}/"


def test_it_finds_a_partner_request_by_its_reference(client_for, investigator, world):
    response = client_for(investigator).get("/search/", {"q": "req-2026"})
    requests = _groups(response)["partner_requests"]
    assert [hit.reference for hit in requests.hits] == ["FR-REQ-2026-0042"]
    assert requests.hits[0].url == f"/partners/requests/{world.north_request.pk}/"


def test_it_writes_one_audit_event_with_the_query_not_the_results(client_for, investigator, world):
    # The query is kept as the keyed fingerprints of what it reads as (docs/privacy.md).
    before = AuditEvent.objects.filter(action="search.run").count()
    client_for(investigator).get("/search/", {"q": " NX-0042 "})
    events = AuditEvent.objects.filter(action="search.run", actor=investigator)
    assert events.count() == before + 1
    event = events.latest("id")
    assert event.details == {**searched_text("NX-0042"), "via": "web"}
    assert "NX-0042" not in str(event.details)
    assert event.outcome == "succeeded"


def test_it_shows_the_form_without_searching_when_nothing_was_typed(client_for, investigator):
    response = client_for(investigator).get("/search/")
    assert response.status_code == 200
    assert response.context["results"] is None
    assert not AuditEvent.objects.filter(action="search.run").exists()
    assert '<form method="get" action="/search/"' in response.content.decode()


def test_it_says_what_was_searched_and_what_to_try_when_nothing_matches(
    client_for, investigator, world
):
    response = client_for(investigator).get("/search/", {"q": "ZZZ-NOTHING"})
    html = response.content.decode()
    assert "Nothing found for <q>ZZZ-NOTHING</q>" in html
    assert "country code" in html


def test_it_signs_out_users_to_the_sign_in_page(client):
    response = client.get("/search/", {"q": "north"})
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]

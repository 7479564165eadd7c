"""Need-to-know: what one may not see never appears, not even as a count."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

pytestmark = pytest.mark.django_db

# Queries that match something of north's in every group between them.
NORTH_QUERIES = [
    "Synthetic",
    "NORTH-20",
    "SYN-NORTH-0042",
    "NX-0042",
    "DEMS-2026-004217",
    "FR-REQ-2026-0042",
    "user_000003",
    "+44 20 7946 0000",
    "192.0.2.1",
    "x@example.org",
]


def _search(client, query: str):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response, {group.kind: group for group in response.context["results"].groups}


def _references(groups) -> set[str]:
    return {hit.reference for group in groups.values() for hit in group.hits}


def test_an_investigator_sees_only_their_own_cases(client_for, investigator, world):
    _, groups = _search(client_for(investigator), "Synthetic")
    assert [hit.reference for hit in groups["cases"].hits] == [world.north_case.number]
    assert groups["cases"].count == 1
    _, groups = _search(client_for(investigator), "x@example.org")
    assert groups["case_identifiers"].count == 0


def test_a_supervisor_sees_the_whole_unit_and_nothing_of_another(client_for, supervisor, world):
    _, groups = _search(client_for(supervisor), "Synthetic")
    assert {hit.reference for hit in groups["cases"].hits} == {
        world.north_case.number,
        world.other_north_case.number,
    }
    assert groups["cases"].count == 2
    _, groups = _search(client_for(supervisor), "user_000003")
    assert groups["case_identifiers"].count == 1
    assert groups["referral_identifiers"].count == 1


def test_an_outsider_sees_nothing_of_north_not_even_a_count(client_for, outsider, world):
    client = client_for(outsider)
    for query in NORTH_QUERIES:
        response, groups = _search(client, query)
        html = response.content.decode()
        assert "NORTH" not in html.upper().replace(query.upper(), ""), query
        assert not any("NORTH" in r.upper() or r == "NX-0042" for r in _references(groups))
    # The same identifier on their own case and referral: one each, never two.
    _, groups = _search(client, "user_000003")
    assert [h.url for h in groups["case_identifiers"].hits] == [
        f"/cases/{world.south_case.number}/identifiers/"
    ]
    assert groups["case_identifiers"].count == 1
    assert groups["referral_identifiers"].count == 1
    _, groups = _search(client, "0042")
    assert {h.reference for h in groups["evidence"].hits} == {"SX-0042"}
    assert groups["evidence"].count == 1
    assert groups["referrals"].count == 1
    _, groups = _search(client, "REQ-2026")
    assert [h.reference for h in groups["partner_requests"].hits] == ["FR-REQ-2026-9942"]
    assert groups["partner_requests"].count == 1


@pytest.mark.parametrize("persona", ["auditor", "administrator"])
def test_auditor_and_administrator_see_no_case_content(client_for, request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    for query in [*NORTH_QUERIES, "SOUTH", "0042"]:
        response, groups = _search(client, query)
        assert all(group.count == 0 for group in groups.values()), (persona, query)
        assert "Nothing found" in response.content.decode()


def test_an_administrator_granted_a_case_finds_it(client_for, administrator, world):
    assign_perm("cases.view_case_content", administrator, world.north_case)
    _, groups = _search(client_for(administrator), "Synthetic")
    assert [hit.reference for hit in groups["cases"].hits] == [world.north_case.number]
    _, groups = _search(client_for(administrator), "NX-0042")
    assert groups["evidence"].count == 1


def test_the_api_hides_the_same_records(api_for, outsider, auditor, world):
    for user in (outsider, auditor):
        body = api_for(user).get("/api/v1/search/", {"q": "NORTH"}).json()
        assert all(group["count"] == 0 for group in body["groups"])
        assert "NORTH-" not in str(body["groups"])

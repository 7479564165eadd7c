"""Identifiers found as a person types them: any case, spaces around, with or without the
service, read as every kind they can be."""

from __future__ import annotations

import pytest

from casework.core.errors import DomainError
from casework.core.identifiers import identifier_readings, normalise_identifier

pytestmark = pytest.mark.django_db


def _hits(client, query: str, kind: str) -> list[str]:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    groups = {group.kind: group for group in response.context["results"].groups}
    return [hit.url for hit in groups[kind].hits]


@pytest.mark.parametrize(
    "typed",
    ["User_000003", " user_000003 ", "@user_000003", "example-service:user_000003"],
)
def test_it_finds_a_screen_name_stored_with_its_service_however_it_is_typed(
    client_for, investigator, world, typed
):
    client = client_for(investigator)
    number = world.north_case.number
    assert _hits(client, typed, "case_identifiers") == [f"/cases/{number}/identifiers/"]
    assert _hits(client, typed, "referral_identifiers") == [
        f"/referrals/{world.north_referral.pk}/"
    ]


def test_it_finds_a_phone_number_typed_with_spaces(client_for, investigator, world):
    hits = _hits(client_for(investigator), " +44 20 7946 0000 ", "case_identifiers")
    assert hits == [f"/cases/{world.north_case.number}/identifiers/"]


@pytest.mark.parametrize("typed", [" 192.0.2.1 ", "192.0.2. 1", "::ffff:192.0.2.1"])
def test_it_finds_an_ip_address_typed_with_spaces(client_for, investigator, world, typed):
    hits = _hits(client_for(investigator), typed, "case_identifiers")
    assert hits == [f"/cases/{world.north_case.number}/identifiers/"]


def test_it_does_not_find_a_name_on_another_service(client_for, investigator, world):
    assert _hits(client_for(investigator), "other-service:user_000003", "case_identifiers") == []


def test_it_reads_a_bracket_as_no_web_address_instead_of_failing():
    # urlsplit raises ValueError ("Invalid IPv6 URL") for an unbalanced "[": it used to escape
    # normalise_identifier, so the case list's search answered 500 for q=[.
    with pytest.raises(DomainError, match="not a web address"):
        normalise_identifier("profile_url", "[")
    assert ("profile_url", "https://[") not in identifier_readings("[")


def test_the_case_list_search_survives_a_bracket(client_for, investigator, world):
    assert client_for(investigator).get("/cases/", {"q": "[user"}).status_code == 200


def test_the_cases_list_finds_a_name_without_its_service(client_for, investigator, world):
    # The search box's "more in the cases list" link leads there: it must find the same.
    response = client_for(investigator).get("/cases/", {"q": "User_000003"})
    assert world.north_case.number in response.content.decode()


def test_the_cases_list_finds_any_part_of_a_number(client_for, investigator, world):
    fragment = world.north_case.number[-9:]  # "-000001" and the year's end: not a whole word
    response = client_for(investigator).get("/cases/", {"q": fragment})
    assert world.north_case.number in response.content.decode()

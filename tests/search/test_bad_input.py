"""Bad input gets a clear message and no results, never a 500."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from tests.custody.factories import make_item, make_store

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("x" * 201, "200 characters or fewer"),
        ("x" * 10_000, "(it has 10,000)"),
        ("NORTH\x1b[2J", "control character (U+001B)"),
        ("NORTH\u202e", "text-direction control character"),
        ("[", "at least one letter or digit"),
        ("%%%", "at least one letter or digit"),
    ],
)
def test_the_page_refuses_with_a_message_and_no_results(
    client_for, investigator, world, query, fragment
):
    response = client_for(investigator).get("/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["results"] is None
    html = response.content.decode()
    assert fragment in html
    assert "Nothing was searched." in html
    assert 'href="#id_q"' in html  # the error summary links to the box
    assert world.north_case.number not in html


def test_a_refused_search_is_audited_as_refused_without_the_whole_text(client_for, investigator):
    client_for(investigator).get("/search/", {"q": "y" * 10_000})
    event = AuditEvent.objects.filter(action="search.run", actor=investigator).latest("id")
    assert event.outcome == "refused"
    assert "q" not in event.details  # the ledger keeps fingerprints of what it reads as
    assert event.details["q_length"] == 200
    assert event.details["length"] == 10_000


def test_a_query_of_exactly_200_characters_is_searched(client_for, investigator, world):
    response = client_for(investigator).get("/search/", {"q": "N" * 200})
    assert response.status_code == 200
    assert response.context["results"] is not None


def test_short_queries_match_exactly_only(client_for, investigator, world, administrator):
    # "NX" has no three-character piece for the index: only a whole exhibit number is found.
    client = client_for(investigator)
    assert client.get("/search/", {"q": "NX"}).context["results"].total == 0
    make_item(
        case=world.north_case,
        store=make_store(admin=administrator),
        actor=investigator,
        exhibit_number="A1",
    )
    groups = client.get("/search/", {"q": "a1"}).context["results"].groups
    assert [hit.reference for hit in groups[2].hits] == ["A1"]


def test_a_nul_is_refused_before_the_page_runs(client_for, investigator):
    response = client_for(investigator).get("/search/?q=NORTH%00")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="search.run").exists()


@pytest.mark.parametrize("query", ["%", "_", "\\", "'", '"', "a:b:c", "::", "@", "+", "-1"])
def test_odd_characters_never_fail(client_for, investigator, world, query):
    assert client_for(investigator).get("/search/", {"q": query}).status_code == 200


@pytest.mark.parametrize("query", ["%%", "2026%", "_ORTH", "N_RTH-2026"])
def test_like_wildcards_are_taken_literally(client_for, supervisor, world, query):
    response = client_for(supervisor).get("/search/", {"q": query})
    results = response.context["results"]
    assert results is None or results.total == 0

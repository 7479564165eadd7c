"""A search costs a bounded number of queries, each group is capped, and the lookups use
their indexes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from casework.cases.models import Case, CaseIdentifier
from casework.core.trigrams import contains_text_q
from casework.custody.models import EvidenceItem
from casework.partners.models import PartnerRequest
from casework.privacy.crypto import fingerprint
from casework.referrals.models import Referral, ReferralIdentifier
from casework.search import selectors
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db

# Eight whatever the query (session, user, two-factor device, audit context, the audit event,
# roles, the header's unit and unread notifications), then at most two per group: its page, and
# a capped count when the page is full. Measured: 14 when no group fills its page.
MAX_QUERIES = 8 + 2 * 6


@pytest.mark.parametrize("query", ["user_000003", "Synthetic", "0042", "+44 20 7946 0000"])
def test_a_search_runs_a_bounded_number_of_queries(
    client_for, supervisor, world, django_assert_max_num_queries, query
):
    client = client_for(supervisor)
    client.get("/search/", {"q": query})  # warm caches that are not per search
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/search/", {"q": query}).status_code == 200


def test_the_query_count_does_not_grow_with_the_matches(
    client_for, investigator, world, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(selectors, "SHOWN_PER_GROUP", 2)
    for n in range(4):
        make_case(lead=investigator, title=f"Synthetic case extra {n}")
    client = client_for(investigator)
    client.get("/search/", {"q": "Synthetic"})
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get("/search/", {"q": "Synthetic"})


def test_a_group_shows_its_first_page_and_counts_the_rest(
    client_for, investigator, world, monkeypatch
):
    monkeypatch.setattr(selectors, "SHOWN_PER_GROUP", 2)
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    client = client_for(investigator)
    for n in range(2):
        make_case(lead=investigator, title=f"Synthetic case extra {n}")
    cases = client.get("/search/", {"q": "Synthetic"}).context["results"].groups[0]
    assert (len(cases.hits), cases.count, cases.count_is_capped) == (2, 3, False)
    assert cases.more_url == "/cases/?q=Synthetic"
    for n in range(2, 5):
        make_case(lead=investigator, title=f"Synthetic case extra {n}")
    response = client.get("/search/", {"q": "Synthetic"})
    cases = response.context["results"].groups[0]
    assert (len(cases.hits), cases.count, cases.count_is_capped) == (2, 4, True)
    html = response.content.decode()
    assert "more than 4 found" in html
    assert 'href="/cases/?q=Synthetic"' in html


def test_an_exact_case_number_comes_first(client_for, supervisor, world):
    number = world.other_north_case.number
    cases = client_for(supervisor).get("/search/", {"q": number.lower()}).context["results"]
    assert cases.groups[0].hits[0].reference == number


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Only a bitmap scan is left, and it needs an index the condition matches: a plain
        # index walked end to end with a filter (cheap on a near-empty table) is ruled out.
        for method in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "field", "index"),
    [
        (Case, "number", "case_number_trgm_idx"),
        (Case, "title", "case_title_trgm_idx"),
        (Referral, "source_reference", "referral_ref_trgm_idx"),
        (EvidenceItem, "exhibit_number", "evidence_exhibit_trgm_idx"),
        (EvidenceItem, "store_identifier", "evidence_store_trgm_idx"),
        (PartnerRequest, "external_reference", "request_ref_trgm_idx"),
    ],
)
def test_any_part_of_a_reference_is_found_through_its_index(model, field, index):
    # A plan without the index means the query's expression no longer matches the indexed one.
    assert index in _plan(model.objects.filter(contains_text_q(field, "2026-00")))


def test_a_name_without_its_service_is_found_through_its_index():
    for model, index in (
        (CaseIdentifier, "case_identifier_name_fp_idx"),
        (ReferralIdentifier, "referral_ident_name_fp_idx"),
    ):
        # The arm of ``identifier_match_q`` for a name under any service.
        condition = Q(
            kind="screen_name", name_fingerprint=fingerprint("screen_name", "user_000003")
        )
        # On a near-empty table another index on ``kind`` costs the same; without the others
        # (dropped inside the test's transaction) only a matching expression can use this one.
        _drop_other_indexes(model._meta.db_table, keep=index)
        assert index in _plan(model.objects.filter(condition))


def _drop_other_indexes(table: str, *, keep: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, c.conname FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid
               LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid
               WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND i.relname <> %s""",
            [table, keep],
        )
        for index, constraint in cursor.fetchall():
            if constraint:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"')
            else:
                cursor.execute(f'DROP INDEX "{index}"')

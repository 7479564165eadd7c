"""The queue's pages, read arm by arm of need-to-know (issue 26), are the single query's pages.

``referral_page`` takes the first rows of each arm of need-to-know (the unit's referrals
without a case; referrals of the cases one may see) from an index in queue order, then loads
those rows through the whole need-to-know filter. These tests compare every page it returns
with the single query it replaced, for each persona, filter and page size, over referrals with
tied clocks, without a clock, waiting on a case of the unit, waiting on a case of the other
unit granted to one person, and of the other unit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.cases import services as cases
from casework.cases.models import CaseUserObjectPermission
from casework.cases.selectors import VIEW_PERMISSION
from casework.referrals.models import Referral
from casework.referrals.selectors import (
    QueueFilters,
    after_cursor,
    encode_cursor,
    referral_page,
    referral_queue,
)
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def queue(investigator, teammate, supervisor, outsider):
    north = [
        make_referral(
            actor=investigator,
            received_at=START + timedelta(hours=i // 3),  # ties on the clock, three by three
            priority=("P1", "P2", "P3")[i % 3],
        )
        for i in range(14)
    ]
    south = [make_referral(actor=outsider, received_at=START) for _ in range(3)]
    # Waiting referrals that already hang off a case (the queue's rarer arm): one on a North
    # case, one on a South case granted to the investigator alone.
    north_case = cases.case_open(
        actor=supervisor, unit=supervisor.unit, title="Synthetic case Q1", lead=teammate
    )
    south_case = cases.case_open(
        actor=outsider, unit=outsider.unit, title="Synthetic case Q2", lead=outsider
    )
    Referral.objects.filter(pk=north[4].pk).update(case=north_case)
    Referral.objects.filter(pk=south[0].pk).update(case=south_case)
    CaseUserObjectPermission.objects.create(
        user=investigator,
        content_object=south_case,
        permission=CaseUserObjectPermission._meta.get_field("permission").related_model.objects.get(
            codename=VIEW_PERMISSION
        ),
    )
    # A referral without a clock sorts last.
    Referral.objects.filter(pk=north[7].pk).update(triage_due_at=None)
    return north, south


def _single_query_pages(user, filters, size):
    """The pages as the queue computed them before issue 26: one query per page."""
    pages, after = [], ""
    while True:
        queryset = referral_queue(user=user, filters=filters)
        if after:
            queryset = after_cursor(queryset, after)
        rows = list(queryset[: size + 1])
        pages.append([row.pk for row in rows[:size]])
        if len(rows) <= size:
            return pages
        after = encode_cursor(rows[size - 1])


def _pages(user, filters, size):
    pages, after = [], ""
    while True:
        rows, after = referral_page(user=user, filters=filters, after=after, size=size)
        pages.append([row.pk for row in rows])
        if not after:
            return pages


@pytest.mark.parametrize(
    "persona", ["investigator", "teammate", "supervisor", "outsider", "outside_supervisor"]
)
@pytest.mark.parametrize(
    "filters",
    [
        QueueFilters(),
        QueueFilters(status="all"),
        QueueFilters(priority="P2"),
        QueueFilters(overdue=True),
    ],
    ids=["open", "all", "P2", "overdue"],
)
@pytest.mark.parametrize("size", [1, 4, 50])
def test_every_page_is_the_single_querys_page(persona, filters, size, queue, request):
    user = request.getfixturevalue(persona)
    assert _pages(user, filters, size) == _single_query_pages(user, filters, size)


def test_a_granted_case_brings_its_waiting_referral_to_that_person_only(
    queue, investigator, teammate
):
    south = queue[1]
    seen = {pk for page in _pages(investigator, QueueFilters(), 50) for pk in page}
    assert south[0].pk in seen
    assert south[1].pk not in seen
    assert south[0].pk not in {pk for page in _pages(teammate, QueueFilters(), 50) for pk in page}


def test_the_first_page_reads_two_queries_of_referrals(
    queue, supervisor, django_assert_num_queries
):
    supervisor.has_role("supervisor")  # roles read once, outside the count
    with django_assert_num_queries(2):
        referral_page(user=supervisor, filters=QueueFilters(), size=5)


def test_the_page_reads_only_what_its_rows_show(queue, supervisor, client_for):
    """The rows query loads the columns the queue shows, not the referral's summary or its
    case's and unit's whole rows; showing them then reads nothing more (a deferred field read
    by the row markup would cost a query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    supervisor.has_role("supervisor")
    with CaptureQueriesContext(connection) as captured:
        rows, _ = referral_page(user=supervisor, filters=QueueFilters(), size=50)
    loaded = captured.captured_queries[-1]["sql"]
    assert '"referrals_referral"."summary"' not in loaded
    assert '"cases_case"."title"' not in loaded
    assert '"accounts_unit"' not in loaded
    assert '"cases_case"."number"' in loaded
    assert rows and any(row.case_id for row in rows)

    client = client_for(supervisor)
    client.get("/referrals/")  # session and roles read once
    with CaptureQueriesContext(connection) as page:
        response = client.get("/referrals/")
    assert response.status_code == 200
    assert b"Synthetic case Q1" not in response.content and b"NORTH-" in response.content
    assert len(page.captured_queries) <= 8


def _walk(api, url: str) -> list[int]:
    seen = []
    while url:
        body = api.get(url).json()
        seen.extend(row["id"] for row in body["results"])
        url = body["next"]
    return seen


@pytest.mark.parametrize("persona", ["investigator", "supervisor", "outsider"])
@pytest.mark.parametrize("query", ["", "&status=all", "&overdue=1", "&priority=P2"])
def test_every_api_page_is_the_single_querys_page(
    persona, query, queue, api_for, request, monkeypatch
):
    """The API pages with DRF's cursor (its own rules, kept: a referral without a clock is
    not reached past the first page); the arms must give what its single query gave."""
    from casework.core.api import CreatedCursorPagination
    from casework.referrals.api import TriageOrderPagination

    api = api_for(request.getfixturevalue(persona))
    url = f"/api/v1/referrals/?page_size=4{query}"
    pages = _walk(api, url)
    monkeypatch.setattr(
        TriageOrderPagination, "paginate_queryset", CreatedCursorPagination.paginate_queryset
    )
    assert pages == _walk(api, url)
    assert pages

"""My deadlines and the unit board read their first rows in index order, with the same result.

Ordered as a whole ("overdue first, then by due time"), the query ranked and checked every
clock of a person or unit before returning 200 of them: at national scale a unit's triage queue
of 100,000 clocks. ``deadlines_mine_first`` and ``deadlines_unit_board_first`` read the first
ones of each (owner or unit, state, rank) index range instead; see docs/performance.md, "Where
the time went".
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.deadlines import selectors
from casework.deadlines.choices import ACTIVE_STATES, DeadlineState
from casework.deadlines.models import Deadline

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC)
STATES = [DeadlineState.OPEN, DeadlineState.OPEN, DeadlineState.MISSED, DeadlineState.MET]


@pytest.fixture
def clocks(investigator, teammate, supervisor, north_case, south_case, north_referral):
    """160 clocks: on a north case, a south case (which the north investigator may not see, yet
    owns some clocks of) and a north referral; owned by the investigator, a teammate, the
    supervisor or nobody (the unit's queue); open, missed or met; due in a 15-hour window
    around ``NOW``, several at each hour and one exactly at it (ties broken by id)."""
    subjects = [
        {"case": north_case, "unit_id": north_case.unit_id},
        {"case": south_case, "unit_id": south_case.unit_id},
        {"referral": north_referral, "unit_id": north_referral.unit_id},
    ]
    owners = [investigator, teammate, None, supervisor, investigator]
    Deadline.objects.bulk_create(
        Deadline(
            **subjects[n % 3],
            kind="court_date",
            time_zone="Europe/London",
            starts_at=NOW - datetime.timedelta(days=30),
            due_at=NOW + datetime.timedelta(hours=n % 15 - 7),
            owner=owners[n % 5],
            state=STATES[n % 4],
        )
        for n in range(160)
    )


def _pks(rows) -> list[int]:
    return [row.pk for row in rows]


@pytest.mark.parametrize("limit", [1, 6, 200])
@pytest.mark.parametrize(
    "states", [ACTIVE_STATES, (DeadlineState.MET,), ()], ids=["active", "met", "all"]
)
@pytest.mark.parametrize(
    "role", ["investigator", "teammate", "supervisor", "outsider", "outside_supervisor"]
)
def test_my_first_deadlines_are_the_first_of_the_whole_list(request, clocks, role, states, limit):
    user = request.getfixturevalue(role)
    whole = selectors.deadlines_mine(user=user, states=states, now=NOW)[:limit]
    first = selectors.deadlines_mine_first(user=user, states=states, now=NOW, limit=limit)
    assert _pks(first) == _pks(whole)
    assert [d.overdue_rank for d in first] == [d.overdue_rank for d in whole]
    if role in ("investigator", "supervisor"):
        assert whole  # not vacuous


@pytest.mark.parametrize("limit", [1, 6, 200])
@pytest.mark.parametrize("role", ["supervisor", "outside_supervisor"])
def test_the_board_s_first_rows_are_the_first_of_the_whole_board(request, clocks, role, limit):
    user = request.getfixturevalue(role)
    whole = selectors.deadlines_unit_board(user=user, now=NOW)[:limit]
    first = selectors.deadlines_unit_board_first(user=user, now=NOW, limit=limit)
    assert _pks(first) == _pks(whole)


def test_a_clock_one_may_not_see_is_never_shown_even_among_one_s_own(
    clocks, investigator, south_case
):
    owned_unseen = Deadline.objects.filter(owner=investigator, case=south_case)
    assert owned_unseen.exists()
    first = selectors.deadlines_mine_first(user=investigator, now=NOW, limit=200)
    assert not set(_pks(first)) & set(owned_unseen.values_list("pk", flat=True))


def test_the_board_is_for_supervisors(clocks, investigator):
    from casework.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.deadlines_unit_board_first(user=investigator, now=NOW, limit=10)


def test_the_first_rows_come_from_index_ranges_in_due_order(clocks, supervisor):
    """No piece is sorted whole: each is a range of the (unit, state, due_at) or (owner,
    state, due_at) index, read in due order (ties on due time sorted as they come)."""
    with CaptureQueriesContext(connection) as captured:
        selectors.deadlines_mine_first(user=supervisor, now=NOW, limit=20)
    (pieces,) = [q["sql"] for q in captured.captured_queries if " UNION ALL " in q["sql"]]
    with connection.cursor() as cursor:
        # The test tables are tiny: leave the planner these two indexes alone (dropped in the
        # test's transaction, rolled back after) and no sequential or bitmap scans.
        cursor.execute(
            "SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'deadlines_deadline'::regclass AND NOT i.indisunique"
            " AND c.relname NOT IN ('deadline_owner_idx', 'deadline_unit_idx')"
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        # Nor whole sorts: on tables this small a scan of the unit index (which includes the
        # owner) filtered and sorted costs the same as the owner index's range, and the
        # planner's pick between equal costs depends on what earlier tests left behind.
        for method in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        cursor.execute("EXPLAIN " + pieces)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using deadline_owner_idx" in plan, plan
    assert "Index Scan using deadline_unit_idx" in plan, plan
    assert "->  Sort " not in plan, plan  # only incremental sorts of equal due times


def test_two_queries_when_every_candidate_may_be_seen(
    clocks, supervisor, investigator, django_assert_num_queries
):
    for user in (supervisor, investigator):
        user.has_role("supervisor")  # roles are read once per request
    with django_assert_num_queries(2):  # the index ranges, then the rows
        selectors.deadlines_unit_board_first(user=supervisor, now=NOW, limit=6)
    # The investigator owns clocks of a south case they may not see, among the first 40 read:
    # need-to-know is then checked on all that was read, which still settles the page.
    with django_assert_num_queries(3):
        selectors.deadlines_mine_first(user=investigator, now=NOW, limit=40)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("investigator", "/deadlines/"),
        ("supervisor", "/deadlines/"),
        ("supervisor", "/deadlines/board/"),
    ],
)
def test_a_long_list_loads_every_column_it_shows_at_once(
    request, client_for, clocks, role, path, django_assert_max_num_queries
):
    """The lists load only the columns they show (views.LIST_FIELDS): one they showed but did
    not load would be fetched clock by clock, dozens of queries here."""
    from casework.deadlines.views import LIST_FIELDS

    client = client_for(request.getfixturevalue(role))
    client.get(path)
    with django_assert_max_num_queries(12):
        response = client.get(path)
    assert response.status_code == 200
    assert response.content.count(b'class="deadline-row') >= 5
    assert "case__number" in LIST_FIELDS

"""The audit searches answer from indexes in the page's order, with the same events as before.

Searching by action or person used to walk the whole trail newest first and test each event
(``LIKE 'prefix%'`` cannot use an index outside the "C" collation), so at national scale one
action took 450 ms behind a fresh import and an action never recorded read all 20 million
events. ``event_page`` now looks up the actions a prefix names and takes each one's first ids
from an (action | person, occurred_at, id) index. See docs/performance.md, "Where the time went".
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.audit.models import AuditEvent
from casework.oversight import trail as selectors
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
ACTIONS = ["case.close", "case.close_request", "case.view", "auth.sign_in", "caseview.other"]
PEOPLE = ["inv.north", "sup.north", "inv.south", ""]


@pytest.fixture
def trail(investigator, outsider):
    """90 events over 30 moments, three at each (ties broken by id), of five actions (one a
    prefix of another), by four actors, on a north case, a south case or none."""
    north = make_case(lead=investigator, title="Synthetic case 0042")
    south = make_case(lead=outsider, title="Synthetic case 0077")
    for n in range(90):
        AuditEvent.objects.create(
            occurred_at=START + datetime.timedelta(minutes=n // 3),
            actor_username=PEOPLE[n % 4],
            action=ACTIONS[(n * 7) % 5],
            object_id=str(n),
            case_id=(north.pk, south.pk, None)[n % 3],
        )


def _before(user, filters: selectors.EventFilters) -> list[int]:
    """The search as it was written before: one query, the action a LIKE prefix."""
    events = selectors.events_visible_to(user)
    if filters.person:
        events = events.filter(actor_username=filters.person)
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.since:
        events = events.filter(occurred_at__gte=filters.since)
    return list(events.order_by("-occurred_at", "-id").values_list("pk", flat=True))


def _paged(user, filters: selectors.EventFilters, size: int) -> list[int]:
    seen: list[int] = []
    while True:
        rows, following = selectors.event_page(user=user, filters=filters, size=size)
        seen += [row.pk for row in rows]
        if following is None:
            return seen
        filters.cursor = following


SEARCHES = [
    {},
    {"action": "case.close"},  # two actions: case.close and case.close_request
    {"action": "case."},
    {"action": "case.view"},
    {"action": "case"},  # caseview.other too
    {"action": "auth.lock_out"},  # never recorded
    {"action": "case.%"},  # LIKE's wildcard, taken literally as before: nothing
    {"person": "inv.north"},
    {"person": "inv.north", "since": START + datetime.timedelta(minutes=10)},
    {"person": "sup.north", "action": "case.close"},
]


@pytest.mark.parametrize("size", [7, 50])
@pytest.mark.parametrize("search", SEARCHES, ids=[str(s) for s in SEARCHES])
@pytest.mark.parametrize("role", ["auditor", "supervisor", "outside_supervisor"])
def test_every_page_holds_the_events_the_single_query_found_in_its_order(
    request, trail, role, search, size
):
    user = request.getfixturevalue(role)
    expected = _before(user, selectors.EventFilters(**search))
    assert _paged(user, selectors.EventFilters(**search), size) == expected
    if role == "auditor" and not search.get("action", "").endswith(("lock_out", "%")):
        assert expected  # the comparison is not vacuous


def test_the_api_finds_the_same_events_for_an_action_prefix(api_for, auditor, trail):
    response = api_for(auditor).get("/api/v1/audit/events/", {"action": "case.close"})
    expected = _before(auditor, selectors.EventFilters(action="case.close"))
    assert [event["id"] for event in response.json()["results"]] == expected[:50]


def _plans_with_only(index: str, run) -> list[str]:
    """The plans of the SELECTs ``run`` sends, with every other index of the trail dropped and
    sequential and bitmap scans off (the test trail is tiny, so the planner would otherwise
    read it whole): the plan then says whether this index can hand over the page's events in
    the page's order. Everything is rolled back with the test's transaction."""
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'audit_auditevent'::regclass AND NOT i.indisunique"
            " AND c.relname <> %s",
            [index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        for method in ("seqscan", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        for query in captured.captured_queries:
            if query["sql"].startswith("SELECT") and "ORDER BY" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_an_action_s_page_comes_from_the_action_index_alone_in_order(auditor, trail):
    filters = selectors.EventFilters(action="case.view")
    (plan,) = _plans_with_only(
        "audit_action_time_id_idx", lambda: selectors.event_page(user=auditor, filters=filters)
    )
    assert "Index Only Scan Backward using audit_action_time_id_idx" in plan, plan
    assert "(action >= 'case.view'" in plan.replace("(action)::text", "action"), plan
    assert "action <= 'case.view'" in plan.replace("(action)::text", "action"), plan


def _page_plans(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if query["sql"].startswith("SELECT") and "ORDER BY" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_an_import_s_newer_events_do_not_turn_the_action_search_onto_the_time_index(auditor):
    """Right after an import, every event newer than the last "case.view" is of another action.
    With ``action = 'case.view'`` the planner could serve the order from the occurred_at index
    and step back through all of them (400 ms at national scale, straight after the benchmark's
    import); the page must stay on the action index whatever the newest events are."""
    views = [
        AuditEvent(
            occurred_at=START + datetime.timedelta(seconds=n),
            actor_username="inv.north",
            action="case.view",
            object_id=str(n),
        )
        for n in range(6_000)
    ]
    imported = [
        AuditEvent(
            occurred_at=START + datetime.timedelta(days=1, seconds=n),
            actor_username="import",
            action="referral.create",
            object_id=str(n),
        )
        for n in range(4_000)
    ]
    AuditEvent.objects.bulk_create(views + imported, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
    filters = selectors.EventFilters(action="case.view")
    rows, _following = selectors.event_page(user=auditor, filters=filters)
    assert [row.object_id for row in rows] == [str(n) for n in range(5_999, 5_949, -1)]
    (plan,) = _page_plans(lambda: selectors.event_page(user=auditor, filters=filters))
    assert "audit_action_time_id_idx" in plan, plan
    assert "occurred_at_" not in plan, plan  # Django's name for the occurred_at index


def test_a_later_page_starts_in_the_index_at_its_cursor(auditor, trail):
    _first, following = selectors.event_page(
        user=auditor, filters=selectors.EventFilters(action="case.view"), size=5
    )
    filters = selectors.EventFilters(action="case.view", cursor=following)
    (plan,) = _plans_with_only(
        "audit_action_time_id_idx", lambda: selectors.event_page(user=auditor, filters=filters)
    )
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "occurred_at <=" in index_condition, plan


def test_a_person_s_year_comes_from_the_person_index_alone_in_order(auditor, trail):
    filters = selectors.EventFilters(person="inv.north", since=START)
    (plan,) = _plans_with_only(
        "audit_person_time_id_idx", lambda: selectors.event_page(user=auditor, filters=filters)
    )
    assert "Index Only Scan Backward using audit_person_time_id_idx" in plan, plan
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "actor_username" in index_condition and "occurred_at >=" in index_condition, plan


def test_the_trail_keeps_as_many_secondary_indexes_as_before():
    """Every index is one more entry to write per audited event (issue 7's overhead); the one on
    ``actor_id`` went in issue 26, as nothing reads events by actor id."""
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "audit_auditevent")
    names = {name for name, info in indexes.items() if info["index"] and not info["primary_key"]}
    assert "audit_actor_time_idx" not in names and "audit_action_time_idx" not in names
    assert {"audit_person_time_id_idx", "audit_action_time_id_idx"} <= names
    assert not any("actor_id" in name for name in names), sorted(names)
    assert len(names) == 6, sorted(names)


def test_a_row_shows_its_time_to_the_microsecond_and_links_its_person(client_for, auditor, trail):
    from django.urls import reverse

    response = client_for(auditor).get(reverse("audit:events"), {"person": "inv.north"})
    html = response.content.decode()
    event = AuditEvent.objects.filter(actor_username="inv.north").order_by("-occurred_at", "-id")[0]
    shown = event.occurred_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert f'<time datetime="{event.occurred_at.isoformat()}">{shown}</time>' in html
    assert f'<a href="{reverse("audit:person", args=["inv.north"])}">inv.north</a>' in html


def test_the_ledger_is_vacuumed_long_before_a_fifth_of_it_is_dead():
    """A failed import rolls back half a million events; until a vacuum removes their index
    entries, stepping from one action to the next reads every page of them (audit 0013)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'audit_auditevent'")
        options = dict(option.split("=") for option in cursor.fetchone()[0])
    assert float(options["autovacuum_vacuum_scale_factor"]) <= 0.01
    assert float(options["autovacuum_vacuum_insert_scale_factor"]) <= 0.02

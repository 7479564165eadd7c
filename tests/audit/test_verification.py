"""How verification reaches its speed without checking less.

The row-versus-bytes check rebuilds each event's canonical text inline in SQL instead of calling
``audit_event_canonical`` per row, and runs on a second connection beside the hashing stream.
These tests hold the inline text to the database's own function, show that an edit of any
column is still named, and that both connections judge one and the same snapshot. The classic
tampering cases are in test_tampering.py.
"""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from casework.audit import verification
from casework.audit.models import AuditEvent
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from casework.audit.verification import verify_ledger
from casework.core import context

_PLAIN = {
    "occurred_at": "2026-03-01 09:30:05+00",
    "actor_id": None,
    "actor_username": "",
    "action": "test.plain",
    "outcome": "succeeded",
    "object_type": "",
    "object_id": "",
    "case_id": None,
    "request_id": "",
    "ip_address": None,
    "user_agent": "",
    "reason": "",
    "changes": "{}",
    "details": "{}",
    "source": "service",
}
_COLUMNS = ", ".join(_PLAIN)
# Values that stress the canonical text: escapes, non-ASCII, astral characters, U+2028, IPv6,
# integers beyond 2**53, NULLs, nested JSON, an empty key, other time zones.
_UNUSUAL = [
    {
        "occurred_at": "2026-03-01 09:30:05.000001+00",
        "actor_id": 7,
        "actor_username": 'Ünïcødé "quoted" \\ back\tslash',
        "object_type": "cases.case",
        "object_id": "line\nbreak",
        "case_id": 9007199254740993,
        "ip_address": "2001:db8::1",
        "user_agent": "bell \x07 del \x7f 𝄞 \u2028",
        "reason": "é",
        "changes": '{"status": ["open", "closed"], "nested": {"b": null, "a": [true, {}, []]}}',
        "details": '{"€": 1, "a": -2, "": "x", "aa": 9007199254740991}',
        "source": "database",
    },
    {},
    {
        "occurred_at": "2026-03-01 23:59:59.999999-05",
        "actor_id": 3,
        "actor_username": "inv.north",
        "action": "case.view",
        "object_type": "cases.case",
        "object_id": "17",
        "case_id": 17,
        "request_id": "req-1",
        "ip_address": "192.0.2.7",
        "user_agent": "Agent/1.0",
        "reason": "Court order 0042",
        "details": '{"username": "inv.north"}',
    },
]
# Numbers that are not safe integers are written as strings (1.5 as "1.5"): the parsed bytes
# then differ from the column, and only the exact check can judge the row.
_NUMBERS_AS_STRINGS = {"changes": '{"ratio": [1, 1.5, 1e21]}'}


def _insert(cursor, values: dict) -> int:
    """One event written by raw SQL: the database's trigger computes its bytes."""
    row = {**_PLAIN, **values}
    cursor.execute(
        f"INSERT INTO audit_auditevent ({_COLUMNS}) VALUES ({', '.join(['%s'] * len(row))}) "
        "RETURNING id",
        list(row.values()),
    )
    return cursor.fetchone()[0]


def _ids_failing(check: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(verification._edited_query(check))
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_inline_text_says_what_the_database_wrote_for_unusual_events():
    with connection.cursor() as cursor:
        numbers = _insert(cursor, _NUMBERS_AS_STRINGS)
        for values in _UNUSUAL:
            _insert(cursor, values)
    assert AuditEvent.objects.count() == 1 + len(_UNUSUAL)
    # The fast check alone accepts every row but the one whose numbers became strings ...
    assert _ids_failing(verification._FAST) == [numbers]
    # ... which the exact check then accepts: nothing untouched is reported.
    assert _ids_failing(verification._FAST_OR_EXACT) == []


@pytest.fixture
def ledger(investigator):
    """Sealed, committed events whose every nullable column holds a value."""
    with context.bind(context.RequestContext("req-7", "192.0.2.7", "Agent/1.0")):
        events = [
            audit_record(
                actor=investigator,
                action="case.view",
                object_type="cases.case",
                object_id=str(n),
                case_id=40 + n,
                changes={"status": ["open", "closed"]},
                details={"n": n},
                reason="Synthetic review",
            )
            for n in range(4)
        ]
    seal_all(sign=True)
    assert verify_ledger().ok
    return events


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "'case.close'"),
        ("actor_id", "actor_id + 1"),
        ("actor_id", "NULL"),
        ("actor_username", "'someone.else'"),
        ("case_id", "case_id + 1"),
        ("case_id", "NULL"),
        ("changes", '\'{"status": ["open", "open"]}\''),
        ("changes", "'{}'"),
        ("details", "'{\"n\": 99}'"),
        ("details", "details || '{\"extra\": true}'"),
        ("ip_address", "'198.51.100.9'"),
        ("ip_address", "NULL"),
        ("object_id", "'99'"),
        ("object_type", "'cases.note'"),
        ("occurred_at", "occurred_at + interval '1 microsecond'"),
        ("outcome", "'denied'"),
        ("reason", "'Synthetic review '"),
        ("request_id", "'req-8'"),
        ("source", "'database'"),
        ("user_agent", "'Agent/1.1'"),
    ],
)
def test_an_edit_of_any_column_is_named(ledger, superuser_cursor, column, value):
    target = ledger[2]
    superuser_cursor.execute(
        f"UPDATE audit_auditevent SET {column} = {value} WHERE id = %s", [target.pk]
    )
    result = verify_ledger()
    edited = [p for p in result.problems if p.kind == "edited"]
    assert [p.event_id for p in edited] == [target.pk]
    assert f"{column}: sealed " in edited[0].message
    assert [p.kind for p in result.problems] == ["edited"]


@pytest.mark.django_db(transaction=True)
def test_a_column_emptied_to_null_is_named_not_skipped(ledger, superuser_cursor):
    target = ledger[1]
    superuser_cursor.execute("ALTER TABLE audit_auditevent ALTER COLUMN action DROP NOT NULL")
    try:
        superuser_cursor.execute(
            "UPDATE audit_auditevent SET action = NULL WHERE id = %s", [target.pk]
        )
        result = verify_ledger()
        assert ("edited", target.pk) in {(p.kind, p.event_id) for p in result.problems}
        assert "action: sealed 'case.view', now None" in str(result.problems)
    finally:
        superuser_cursor.execute(
            "UPDATE audit_auditevent SET action = 'case.view' WHERE id = %s", [target.pk]
        )
        superuser_cursor.execute("ALTER TABLE audit_auditevent ALTER COLUMN action SET NOT NULL")


@pytest.mark.django_db(transaction=True)
def test_a_sealed_event_whose_bytes_were_emptied_is_named(ledger, superuser_cursor):
    target = ledger[0]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET canonical = NULL WHERE id = %s", [target.pk]
    )
    result = verify_ledger()
    assert ("changed", target.pk) in {(p.kind, p.event_id) for p in result.problems}


@pytest.mark.django_db(transaction=True)
def test_bytes_the_fast_check_cannot_parse_are_still_judged(ledger, superuser_cursor):
    """Valid head and tail around bytes that are not UTF-8: the fast check's JSON parse fails,
    the whole scan is redone with the exact check, and the event is named."""
    target = ledger[3]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET canonical = overlay(canonical placing '\\xff'::bytea "
        "from position(convert_to('\"status\"', 'UTF8') in canonical) + 1 for 1) WHERE id = %s",
        [target.pk],
    )
    result = verify_ledger()
    assert [(p.kind, p.event_id) for p in result.problems] == [("changed", target.pk)]


@pytest.mark.django_db(transaction=True)
def test_both_connections_judge_one_snapshot(ledger, monkeypatch):
    """An event forged behind the seal while a verification runs is left to the next run.

    The forgery commits after the verifying transaction took its snapshot and before the second
    connection begins: were that connection to take a snapshot of its own, it would see what
    the stream cannot, and the two halves of one verification would judge different ledgers.
    """
    beside = verification._checks_beside_the_stream
    forged = []

    def forge_then_check(*args):
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
                cursor.execute(
                    f"INSERT INTO audit_auditevent ({_COLUMNS}, canonical, txid) "
                    f"SELECT {_COLUMNS}, canonical, txid FROM audit_auditevent WHERE id = %s "
                    "RETURNING id",
                    [ledger[0].pk],
                )
                forged.append(cursor.fetchone()[0])
        finally:
            other.close()
        return beside(*args)

    monkeypatch.setattr(verification, "_checks_beside_the_stream", forge_then_check)
    during = verify_ledger()
    monkeypatch.undo()
    assert forged and during.ok and during.pending == 0
    after = verify_ledger()
    assert ("inserted", forged[0]) in {(p.kind, p.event_id) for p in after.problems}


@pytest.mark.django_db
def test_inside_a_callers_transaction_it_sees_the_callers_own_writes(investigator):
    """Nested in a transaction (here the test's), the checks run on the caller's connection:
    a second connection could see neither the uncommitted events nor the uncommitted edit."""
    events = [
        audit_record(actor=investigator, action="case.view", object_id=str(n)) for n in (1, 2)
    ]
    seal_all(sign=True)
    assert connection.in_atomic_block
    before = verify_ledger()
    assert before.ok and before.events_checked == AuditEvent.objects.count() >= len(events)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET object_id = '3' WHERE id = %s", [events[1].pk])
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    after = verify_ledger()
    assert [(p.kind, p.event_id) for p in after.problems] == [("edited", events[1].pk)]


@pytest.mark.django_db
def test_unsealed_events_are_not_joined_in_a_nested_loop_when_the_ledger_looks_empty(
    investigator, monkeypatch
):
    """Statistics taken while the ledger was empty (a new installation, a test database) made
    PostgreSQL join check 6's two id scans in a nested loop with the ids compared as a filter:
    every event against every event, so ``seed_demo``'s verification of its own uncommitted
    events ran for minutes. Check 6 must take a join that is linear whatever the estimates."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent, audit_auditseal")  # both empty here
    for n in range(3):
        audit_record(actor=investigator, action="case.view", object_id=str(n))
    monkeypatch.setattr(verification, "_UNSEALED", "EXPLAIN " + verification._UNSEALED)
    plan = "\n".join(
        str(line[0]) for line in verification._unsealed(connection.connection, 0, None)
    )
    assert "Nested Loop" not in plan, plan
    # The join it takes still finds them (the real query, as verify_ledger runs it).
    monkeypatch.undo()
    unsealed = verification._unsealed(connection.connection, 0, None)
    assert [row[0] for row in unsealed] == list(
        AuditEvent.objects.order_by("id").values_list("id", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_the_stream_and_the_fetched_batches_find_the_same_problems(
    ledger, superuser_cursor, monkeypatch
):
    """The seals arrive in chunks while PostgreSQL produces the next ones (libpq 17 and later)
    or in batches fetched from a server-side cursor (older libpq): the same problems either
    way, and a stream stopped part way leaves the connection usable."""
    monkeypatch.setattr(verification, "_CHUNK", 2)
    monkeypatch.setattr(verification, "_BATCH", 2)
    changed = ledger[1]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET canonical = convert_to('{}', 'UTF8') WHERE id = %s",
        [changed.pk],
    )
    superuser_cursor.execute("DELETE FROM audit_auditseal WHERE event_id = %s", [ledger[3].pk])
    found = {}
    for libpq in (180000, 160000):
        monkeypatch.setattr(verification.psycopg.pq, "version", lambda libpq=libpq: libpq)
        found[libpq] = [(p.kind, p.event_id, p.message) for p in verify_ledger().problems]
        with transaction.atomic(), verification._streamed_rows() as rows:
            assert next(iter(rows))[0] == 0  # then stopped: the rest drained, or cursor closed
        assert AuditEvent.objects.filter(pk=changed.pk).exists()
    assert found[180000] == found[160000]
    assert {("changed", changed.pk), ("inserted", ledger[3].pk)} <= {
        (kind, event_id) for kind, event_id, _ in found[180000]
    }


# The quick check (issue 26) takes the common event, with nothing in ``changes`` or ``details``
# and no character to escape, by plain concatenation. A character that JSON escapes in any
# text column sends the row to the checks above.
_NEEDS_ESCAPING = ['quote "', "back\\slash", "tab\t", "line\nbreak", "bell \x07", "unit \x1f"]


@pytest.mark.django_db
def test_the_quick_check_takes_only_rows_whose_text_needs_no_escaping():
    text_columns = ("actor_username", "action", "object_type", "object_id", "request_id")
    with connection.cursor() as cursor:
        plain = [
            _insert(cursor, {}),
            _insert(cursor, {"user_agent": "del \x7f 𝄞 é \u2028", "ip_address": "2001:db8::1"}),
            _insert(cursor, {"actor_id": 7, "case_id": 9007199254740993, "reason": "Court"}),
        ]
        escaped = [
            _insert(cursor, {text_columns[n % len(text_columns)]: value})
            for n, value in enumerate(_NEEDS_ESCAPING)
        ]
        escaped += [
            _insert(cursor, {"reason": 'say "hi"'}),
            _insert(cursor, {"source": "data\\base"}),
            _insert(cursor, {"outcome": "new\nline"}),
            _insert(cursor, {"user_agent": 'Agent "1"'}),
        ]
    # With the other checks made to refuse everything, the rows that reach them are exactly
    # those the quick check would not take ...
    assert sorted(_ids_failing("false")) == escaped
    # ... and the checks as they are accept them all.
    assert _ids_failing(verification._FAST_OR_EXACT) == []
    assert plain


@pytest.fixture
def plain_ledger(investigator):
    """Sealed, committed events the quick check takes: nothing in changes or details."""
    with context.bind(context.RequestContext("req-7", "192.0.2.7", "Agent/1.0")):
        events = [
            audit_record(
                actor=investigator,
                action="case.view",
                object_type="cases.case",
                object_id=str(n),
                case_id=40 + n,
                reason='Synthetic "review"\nline two' if n == 3 else "Synthetic review",
            )
            for n in range(4)
        ]
    seal_all(sign=True)
    assert verify_ledger().ok
    return events


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "'case.close'"),
        ("actor_id", "actor_id + 1"),
        ("actor_username", "'someone.else'"),
        ("case_id", "NULL"),
        ("changes", '\'{"status": ["open", "open"]}\''),
        ("details", "'{\"n\": 99}'"),
        ("id", "id + 1000"),
        ("ip_address", "NULL"),
        ("object_id", "'99'"),
        ("object_type", "'cases.note'"),
        ("occurred_at", "occurred_at + interval '1 microsecond'"),
        ("outcome", "'denied'"),
        ("reason", "'Synthetic review '"),
        ("request_id", "'req-8'"),
        ("source", "'database'"),
        ("user_agent", "'Agent/1.1'"),
    ],
)
def test_an_edit_of_any_column_of_a_plain_event_is_named(
    plain_ledger, superuser_cursor, column, value
):
    target = plain_ledger[2]
    superuser_cursor.execute(
        f"UPDATE audit_auditevent SET {column} = {value} WHERE id = %s", [target.pk]
    )
    result = verify_ledger()
    named = {(p.kind, p.event_id) for p in result.problems}
    if column == "id":  # the row moved: its seal now points at nothing, its new id at no seal
        assert ("removed", target.pk) in named
        return
    assert [(p.kind, p.event_id) for p in result.problems] == [("edited", target.pk)]
    assert f"{column}: sealed " in result.problems[0].message


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "value",
    # What the sealed bytes say once escaped, written into the row unescaped: concatenated
    # without escaping, the row would render to its very bytes.
    ['Synthetic \\"review\\"\\nline two', 'Synthetic \\"review\\"\nline two'],
)
def test_an_edit_that_would_render_unescaped_to_the_sealed_bytes_is_named(
    plain_ledger, superuser_cursor, value
):
    target = plain_ledger[3]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET reason = %s WHERE id = %s", [value, target.pk]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT position(convert_to(%s, 'UTF8') in canonical) > 0 "
            "FROM audit_auditevent WHERE id = %s",
            [f'"reason":"{value}"', target.pk],
        )
        assert cursor.fetchone()[0] is (value == 'Synthetic \\"review\\"\\nline two')
    result = verify_ledger()
    assert [(p.kind, p.event_id) for p in result.problems] == [("edited", target.pk)]


@pytest.mark.django_db(transaction=True)
def test_seals_out_of_id_order_are_taken_in_position_order(superuser_cursor, monkeypatch):
    """The stream reads seals and events in event id order and holds back the seals that come
    before their turn; a ledger too far out of order is streamed again in position order. Both
    ways judge alike, on an intact ledger and on a tampered one."""
    superuser_cursor.execute("SET session_replication_role = DEFAULT")  # the ledger's triggers
    with connection.cursor() as cursor:
        # Each insert commits on its own (a later transaction), and the sealer seals in
        # transaction order: the higher ids get the lower positions.
        ids = []
        for n in range(6):
            row = {**_PLAIN, "id": 9000 - n, "object_id": str(n)}
            cursor.execute(
                f"INSERT INTO audit_auditevent ({', '.join(row)}) "
                f"VALUES ({', '.join(['%s'] * len(row))}) RETURNING id",
                list(row.values()),
            )
            ids.append(cursor.fetchone()[0])
    seal_all(sign=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_id, position FROM audit_auditseal WHERE event_id = ANY(%s) "
            "ORDER BY position",
            [ids],
        )
        sealed = cursor.fetchall()
    assert [event_id for event_id, _ in sealed] == ids == sorted(ids, reverse=True)

    checked = []

    def both_ways():
        found = []
        for limit in (verification._REORDER_LIMIT, 0):  # 0: every early seal starts over
            monkeypatch.setattr(verification, "_REORDER_LIMIT", limit)
            result = verify_ledger()
            found.append([(p.kind, p.event_id, p.position, p.message) for p in result.problems])
            checked.append(result.events_checked)
        assert found[0] == found[1]
        assert checked[-1] == checked[-2]
        return found[0]

    assert both_ways() == []
    superuser_cursor.execute("SET session_replication_role = replica")
    superuser_cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [ids[1]])
    superuser_cursor.execute("DELETE FROM audit_auditseal WHERE event_id = %s", [ids[3]])
    superuser_cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [ids[4]])
    problems = both_ways()
    assert {(kind, event_id) for kind, event_id, _, _ in problems} >= {
        ("edited", ids[1]),
        ("removed", ids[4]),
        ("inserted", ids[3]),
    }
    assert ("removed", None, sealed[3][1]) in {
        (kind, event_id, position) for kind, event_id, position, _ in problems
    }

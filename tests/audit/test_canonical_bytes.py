"""Each event is fixed as RFC 8785 bytes at insert, in UTC with microseconds, without floats."""

from __future__ import annotations

import datetime
import decimal
import json

import pytest
import rfc8785
import time_machine
from django.db import connection

from casework.audit.models import AuditEvent
from casework.audit.services import audit_record
from casework.core import context

pytestmark = pytest.mark.django_db


def _bytes(event) -> bytes:
    return bytes(AuditEvent.objects.get(pk=event.pk).canonical)


def test_it_stores_canonical_bytes_that_say_what_the_row_says(investigator):
    moment = datetime.datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=datetime.UTC)
    with (
        time_machine.travel(moment, tick=False),
        context.bind(context.RequestContext("req-1", "192.0.2.7", "Agent/1.0")),
        context.with_reason("Court order 0042"),
    ):
        event = audit_record(
            actor=investigator,
            action="case.view",
            object_type="cases.case",
            object_id="17",
            case_id=17,
            details={"zeta": 1, "alpha": [True, None, "x"], "ratio": 0.5},
        )
    document = json.loads(_bytes(event))
    assert document == {
        "v": 1,
        "id": event.pk,
        "occurred_at": "2026-03-01T09:30:05.123456Z",
        "actor_id": investigator.pk,
        "actor_username": "inv.north",
        "action": "case.view",
        "outcome": "succeeded",
        "object_type": "cases.case",
        "object_id": "17",
        "case_id": 17,
        "request_id": "req-1",
        "ip_address": "192.0.2.7",
        "user_agent": "Agent/1.0",
        "reason": "Court order 0042",
        "changes": {},
        "details": {"alpha": [True, None, "x"], "ratio": "0.5", "zeta": 1},
        "source": "service",
    }


@pytest.mark.parametrize(
    "details",
    [
        {"text": 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f'},
        {"unicode": "Ünïcødé € 𝄞 \u2028", "€": 1, "a": 2, "B": 3, "aa": 4, "": 5},
        {"nested": {"b": [1, {"d": -0, "c": 9007199254740991}], "a": {}}, "list": []},
        {"big": 9007199254740993, "decimal": decimal.Decimal("12.50"), "float": 1e21},
    ],
)
def test_the_bytes_are_rfc_8785(investigator, details):
    event = audit_record(actor=investigator, action="test.canonical", details=details)
    stored = _bytes(event)
    assert rfc8785.dumps(json.loads(stored)) == stored


def test_numbers_that_are_not_safe_integers_become_exact_strings(investigator):
    event = audit_record(actor=investigator, action="test.numbers", details={"n": 1})
    with connection.cursor() as cursor:  # as raw SQL could write them, bypassing audit_record
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_username, action, outcome,"
            " object_type, object_id, request_id, user_agent, reason, changes, details, source)"
            " VALUES (now(), '', 'test.raw', 'succeeded', '', '', '', '', '',"
            " '{\"a\": [1.0, 2.5, 1e300]}', '{}', 'service') RETURNING id"
        )
        raw_id = cursor.fetchone()[0]
    raw = AuditEvent.objects.get(pk=raw_id)
    document = json.loads(bytes(raw.canonical))
    assert document["changes"] == {"a": [1, "2.5", "1" + "0" * 300]}
    assert event.pk != raw_id


def test_the_bytes_are_computed_by_the_database_whatever_the_client_sends(investigator):
    event = AuditEvent.objects.create(
        occurred_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        action="test.forged_bytes",
        canonical=b'{"forged":true}',
    )
    assert json.loads(_bytes(event))["action"] == "test.forged_bytes"


def test_a_client_cannot_pass_its_text_off_as_a_captured_events(investigator):
    """Only an insert from a trigger keeps the text it brings; a client's, even one marked as
    the database's own, is replaced by the bytes of what it inserted."""
    event = AuditEvent.objects.create(
        occurred_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        action="test.forged_bytes",
        source="database",
        canonical=b'{"forged":true}',
    )
    assert json.loads(_bytes(event))["action"] == "test.forged_bytes"


def test_a_function_called_by_a_client_cannot_pass_its_text_off_either(investigator):
    """Only an insert from inside a trigger keeps its text: a DO block or a function the
    client calls runs at the client's depth."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $do$ BEGIN INSERT INTO audit_auditevent (occurred_at, actor_username, action,"
            " outcome, object_type, object_id, request_id, user_agent, reason, changes,"
            " details, source, canonical) VALUES ('2026-01-01T00:00:00Z', '',"
            " 'test.forged_in_function', 'succeeded', '', '', '', '', '', '{}', '{}',"
            """ 'database', convert_to('{"forged":true}', 'UTF8')); END $do$"""
        )
    event = AuditEvent.objects.get(action="test.forged_in_function")
    assert json.loads(_bytes(event))["action"] == "test.forged_in_function"


@pytest.mark.parametrize(
    "changes",
    [
        {"title": [None, 'quote " backslash \\ tab \t bell \x07'], "lead": ["a", "b"]},
        {"€": [1, 2], "B": [True, False], "": [None, None], "𝄞": ["\u2028", "x"]},
        {"n": [9007199254740993, -9007199254740991], "d": [decimal.Decimal("12.50"), -0]},
        {"f": [1e21, 0.5], "pair": [[1, 2], {"b": 1, "a": 2}], "three": [1, 2, 3], "one": [1]},
        {"pair": [None, "x"], "flat": 7, "nested": {"a": [1, 2]}},
    ],
)
def test_changes_made_of_pairs_are_rfc_8785_too(investigator, changes):
    """``audit_jcs`` writes an object of scalar pairs by a path of its own (issue 26); it
    must give the bytes the general path gives, whatever the pairs hold."""
    event = audit_record(actor=investigator, action="test.pairs", changes=changes)
    stored = _bytes(event)
    assert rfc8785.dumps(json.loads(stored)) == stored
    with connection.cursor() as cursor:
        # The general path, taken once a member is not a pair, is canonical too and agrees.
        cursor.execute(
            "SELECT audit_jcs(changes), audit_jcs(changes || '{\"~\": 0}') FROM audit_auditevent"
            " WHERE id = %s",
            [event.pk],
        )
        pairs, general = cursor.fetchone()
    assert general.encode() == rfc8785.dumps(json.loads(general))
    assert json.loads(general) == {**json.loads(pairs), "~": 0}


def test_a_service_event_is_one_call_of_the_append_function(
    investigator, django_assert_num_queries
):
    """One round trip, through ``audit_event_append``, whose INSERT the session plans once
    (an INSERT with the values written in was parsed and planned for every event)."""
    with django_assert_num_queries(1) as queries:
        event = audit_record(actor=investigator, action="test.append", details={"a": 1})
    assert "audit_event_append(" in queries.captured_queries[0]["sql"]
    assert AuditEvent.objects.get(pk=event.pk).action == "test.append"


def test_it_keeps_an_event_of_a_few_kilobytes_uncompressed_with_the_same_bytes(investigator):
    # A captured referral, clock or encrypted identifier is 2.3-2.9 KB, over the 2 KB TOAST
    # threshold; compressing each one was the larger part of a bulk import's capture
    # (migration audit.0012). Storage changes, the bytes must not.
    event = audit_record(
        actor=investigator,
        action="case.view",
        object_type="cases.case",
        details={"note": "synthetic " * 300},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT octet_length(canonical), pg_column_size(canonical),"
            " canonical = convert_to(audit_event_canonical(e), 'UTF8')"
            " FROM audit_auditevent AS e WHERE id = %s",
            [event.pk],
        )
        length, stored, same = cursor.fetchone()
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'audit_auditevent'")
        options = cursor.fetchone()[0]
    assert length > 3000
    assert stored >= length  # not compressed: pglz would make this repetitive text tiny
    assert same
    assert "toast_tuple_target=8160" in options

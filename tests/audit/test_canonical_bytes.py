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

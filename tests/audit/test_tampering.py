"""Real tampering, as the PostgreSQL superuser with the guard switched off: each is caught.

Every test seals and signs a small ledger, checks it verifies, tampers with it the way an
insider with full database access would, and expects ``verify_audit`` to name what happened
and exit non-zero.
"""

from __future__ import annotations

import json

import pytest
import rfc8785
from django.core.management import call_command
from django.db import connection

from casework.audit.models import AuditEvent, AuditSeal
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from casework.audit.verification import verify_ledger

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ledger():
    """Ten committed, sealed events behind a signed checkpoint (also written to disk)."""
    events = [
        audit_record(actor=None, action="case.view", object_id=str(n), details={"n": n})
        for n in range(10)
    ]
    seal_all(sign=True)
    assert verify_ledger().ok
    return events


def _kinds(result) -> set[tuple[str, int | None]]:
    return {(problem.kind, problem.event_id) for problem in result.problems}


def _command_fails() -> str:
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit", "--json")
    assert exited.value.code == 1
    return str(exited.value)


def test_an_untouched_ledger_verifies_and_the_command_says_ok(ledger, capsys):
    call_command("verify_audit")
    assert "OK" in capsys.readouterr().out


def test_it_names_an_event_whose_field_was_changed(ledger, superuser_cursor):
    target = ledger[3]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET action = 'case.close' WHERE id = %s", [target.pk]
    )
    result = verify_ledger()
    assert ("edited", target.pk) in _kinds(result)
    assert "action: sealed 'case.view', now 'case.close'" in str(result.problems)
    _command_fails()


def test_it_names_an_event_whose_bytes_were_rewritten_to_match(ledger, superuser_cursor):
    target = ledger[4]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET action = 'case.close' WHERE id = %s", [target.pk]
    )
    superuser_cursor.execute(
        "UPDATE audit_auditevent AS e SET canonical = "
        "convert_to(audit_jcs(audit_event_document(e)), 'UTF8') WHERE id = %s",
        [target.pk],
    )
    result = verify_ledger()
    assert ("changed", target.pk) in _kinds(result)


def test_it_names_a_deleted_event(ledger, superuser_cursor):
    target = ledger[5]
    superuser_cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    result = verify_ledger()
    assert ("removed", target.pk) in _kinds(result)
    _command_fails()


def test_it_notices_a_deleted_event_and_its_seal(ledger, superuser_cursor):
    target = ledger[5]
    position = AuditSeal.objects.get(event=target).position
    superuser_cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    superuser_cursor.execute("DELETE FROM audit_auditseal WHERE position = %s", [position])
    result = verify_ledger()
    kinds = {problem.kind for problem in result.problems}
    assert {"removed", "chain", "truncated"} <= kinds
    assert any(problem.position == position for problem in result.problems)


def test_it_names_a_forged_event_inserted_behind_the_seal(ledger, superuser_cursor):
    neighbour = ledger[2]
    superuser_cursor.execute(
        "INSERT INTO audit_auditevent (occurred_at, actor_username, action, outcome,"
        " object_type, object_id, request_id, user_agent, reason, changes, details, source,"
        " canonical, txid)"
        " SELECT occurred_at, 'inv.north', 'case.view', outcome, object_type, '99', request_id,"
        " user_agent, reason, changes, details, source, canonical, txid"
        " FROM audit_auditevent WHERE id = %s RETURNING id",
        [neighbour.pk],
    )
    forged = superuser_cursor.fetchone()[0]
    result = verify_ledger()
    assert ("inserted", forged) in _kinds(result)
    _command_fails()


def test_it_names_a_forged_event_given_a_forged_seal(ledger, superuser_cursor):
    superuser_cursor.execute("SET session_replication_role = DEFAULT")
    forged = audit_record(actor=None, action="case.view", object_id="forged")
    superuser_cursor.execute("SET session_replication_role = replica")
    size = AuditSeal.objects.count()
    # The forger appends a seal for it, computing the leaf properly but without the key.
    superuser_cursor.execute(
        "INSERT INTO audit_auditseal (position, event_id, leaf_hash, chain_hash, checkpoint_id)"
        " SELECT %s, e.id, sha256('\\x00'::bytea || e.canonical), sha256('\\x00'::bytea), 1"
        " FROM audit_auditevent e WHERE e.id = %s",
        [size, forged.pk],
    )
    result = verify_ledger()
    assert ("chain", forged.pk) in _kinds(result)


def test_it_names_two_swapped_events(ledger, superuser_cursor):
    first, second = ledger[6], ledger[7]
    superuser_cursor.execute("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [first.pk])
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET id = %s WHERE id = %s", [first.pk, second.pk]
    )
    superuser_cursor.execute("UPDATE audit_auditevent SET id = %s WHERE id = -1", [second.pk])
    result = verify_ledger()
    assert {("reordered", first.pk), ("reordered", second.pk)} <= _kinds(result)
    _command_fails()


def test_it_names_two_swapped_seals(ledger, superuser_cursor):
    a, b = (AuditSeal.objects.get(event=ledger[n]).position for n in (1, 2))
    superuser_cursor.execute("UPDATE audit_auditseal SET position = -1 WHERE position = %s", [a])
    superuser_cursor.execute("UPDATE audit_auditseal SET position = %s WHERE position = %s", [a, b])
    superuser_cursor.execute("UPDATE audit_auditseal SET position = %s WHERE position = -1", [b])
    result = verify_ledger()
    assert {"reordered"} <= {problem.kind for problem in result.problems}
    assert any(p.kind == "reordered" and p.event_id == ledger[1].pk for p in result.problems)


def test_it_notices_the_tail_cut_back_behind_a_signed_checkpoint(ledger, superuser_cursor):
    keep = AuditSeal.objects.get(event=ledger[6]).position
    superuser_cursor.execute(
        "DELETE FROM audit_auditevent WHERE id IN"
        " (SELECT event_id FROM audit_auditseal WHERE position > %s)",
        [keep],
    )
    superuser_cursor.execute("DELETE FROM audit_auditseal WHERE position > %s", [keep])
    superuser_cursor.execute("DELETE FROM audit_auditcheckpoint")  # the database copy too
    result = verify_ledger()
    assert "truncated" in {problem.kind for problem in result.problems}
    assert f"only {keep + 1} sealed events remain" in str(result.problems)
    output = json.loads(_json_output())
    assert output["ok"] is False


def test_it_notices_bytes_replaced_by_something_that_is_not_json(ledger, superuser_cursor):
    target = ledger[8]
    superuser_cursor.execute(
        "UPDATE audit_auditevent SET canonical = '\\xff00'::bytea WHERE id = %s", [target.pk]
    )
    result = verify_ledger()
    assert ("changed", target.pk) in _kinds(result)


def test_it_notices_a_checkpoint_signed_by_another_key(ledger, settings, tmp_path):
    from pathlib import Path

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from casework.audit import notes

    note = notes.sign(
        notes.Checkpoint("casework.invalid/audit-test", 1, b"\x00" * 32),
        Ed25519PrivateKey.generate(),
        name="casework.invalid/audit-test",
    )
    (Path(settings.AUDIT_CHECKPOINT_DIR) / "forged.checkpoint").write_text(note)
    result = verify_ledger()
    assert "checkpoint" in {problem.kind for problem in result.problems}


def _json_output() -> str:
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("verify_audit", "--json", stdout=out)
    return out.getvalue()


def test_event_count_is_what_was_checked(ledger):
    result = verify_ledger()
    assert result.events_checked == AuditSeal.objects.count() >= len(ledger)
    assert AuditEvent.objects.count() >= result.events_checked


def _capture_path_insert(changes_in_bytes: dict) -> int:
    """Insert an event the way a change-capture function does: from a trigger (depth 2 at the
    ledger's BEFORE INSERT check), source 'database', with the text it rendered. The columns
    say ``{"status": ["open", "closed"]}``; the bytes say ``changes_in_bytes``. Only someone
    with DDL rights can add such a trigger; the test database's owner can."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id'))")
        event_id = cursor.fetchone()[0]
        document = {
            "v": 1, "id": event_id, "occurred_at": "2026-01-01T00:00:00.000000Z",
            "actor_id": None, "actor_username": "", "action": "record.change",
            "outcome": "succeeded", "object_type": "test.capture", "object_id": "1",
            "case_id": None, "request_id": "", "ip_address": None, "user_agent": "",
            "reason": "", "changes": changes_in_bytes, "details": {}, "source": "database",
        }  # fmt: skip
        text = rfc8785.dumps(document).decode()
        cursor.execute("CREATE TEMP TABLE capture_path (n int)")
        cursor.execute(
            "CREATE FUNCTION pg_temp.capture_path() RETURNS trigger LANGUAGE plpgsql AS $fn$"
            " BEGIN INSERT INTO audit_auditevent (id, occurred_at, actor_id, actor_username,"
            " action, outcome, object_type, object_id, case_id, request_id, ip_address,"
            " user_agent, reason, changes, details, source, canonical) VALUES ("
            f" {event_id}, '2026-01-01T00:00:00Z', NULL, '', 'record.change', 'succeeded',"
            " 'test.capture', '1', NULL, '', NULL, '', '',"
            """ '{"status": ["open", "closed"]}', '{}', 'database',"""
            f" convert_to('{text}', 'UTF8')); RETURN NULL; END $fn$"
        )
        cursor.execute(
            "CREATE TRIGGER capture_path AFTER INSERT ON pg_temp.capture_path"
            " FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.capture_path()"
        )
        try:
            cursor.execute("INSERT INTO pg_temp.capture_path VALUES (1)")
        finally:
            cursor.execute("DROP TABLE pg_temp.capture_path")
            cursor.execute("DROP FUNCTION pg_temp.capture_path()")
        stored = bytes(AuditEvent.objects.get(pk=event_id).canonical)
    assert stored == text.encode()  # the capture path's text is kept as it was handed over
    return event_id


def test_a_captured_event_keeps_its_text_and_verifies_when_it_says_what_the_row_says(ledger):
    _capture_path_insert({"status": ["open", "closed"]})
    seal_all(sign=True)
    assert verify_ledger().ok


def test_it_names_a_captured_event_whose_text_disagrees_with_its_columns(ledger):
    """The ledger keeps a capture function's text without re-reading it (ADR 0001, decision
    8): the verifier is what recomputes it from the columns."""
    event_id = _capture_path_insert({"status": ["open", "open"]})
    seal_all(sign=True)
    result = verify_ledger()
    assert ("edited", event_id) in _kinds(result)
    assert "changes" in str(result.problems)
    _command_fails()

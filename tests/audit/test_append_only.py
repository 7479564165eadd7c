"""The ledger refuses UPDATE, DELETE and TRUNCATE in PostgreSQL itself, for every role."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection, transaction

from casework.audit.models import AuditCheckpoint, AuditEvent, AuditSeal
from casework.audit.services import audit_record, audit_seal_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(investigator):
    return audit_record(actor=investigator, action="case.view", object_type="cases.case")


def _refused(statement: str, params=()) -> str:
    with pytest.raises(ProgrammingError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(statement, params)
    return str(caught.value)


def test_it_refuses_an_update_through_the_orm(event):
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="case.edit")
    event.refresh_from_db()
    assert event.action == "case.view"


def test_it_refuses_a_delete_through_the_orm(event):
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_it_refuses_raw_sql_update_delete_and_truncate(event):
    assert "UPDATE on audit_auditevent" in _refused(
        "UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", [event.pk]
    )
    assert "DELETE on audit_auditevent" in _refused("DELETE FROM audit_auditevent")
    # The test database lets Django's runner TRUNCATE between tests; switch that off here to
    # see what every other database does.
    with (
        pytest.raises(ProgrammingError, match="TRUNCATE on audit_auditevent"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL casework.audit_allow_truncate = 'off'")
        cursor.execute("TRUNCATE audit_auditevent")


def test_seals_checkpoints_and_verifications_are_append_only_too(event):
    audit_seal_pending()
    assert AuditSeal.objects.exists() and AuditCheckpoint.objects.exists()
    for table in ("audit_auditseal", "audit_auditcheckpoint"):
        assert "append-only" in _refused(f"DELETE FROM {table}")
    assert "append-only" in _refused("UPDATE audit_auditseal SET position = position + 1")
    assert "append-only" in _refused("UPDATE audit_auditcheckpoint SET created_at = now()")


def test_inserting_stays_possible_and_the_row_reads_back(event):
    assert AuditEvent.objects.get(pk=event.pk).action == "case.view"

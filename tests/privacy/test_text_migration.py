"""The migration step that encrypts texts already stored (cases.0014) works batch by batch,
resumes where it stopped, writes what the models read, and has a way back. Run here against
the subjects table with its plaintext column put back for the test (the transaction of the
test undoes it)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection

from casework.cases import services
from casework.cases.models import CaseSubject
from casework.privacy.migration import TextLayout, decrypt_texts_existing, encrypt_texts_existing
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db

LAYOUT = TextLayout(
    table="cases_casesubject",
    scope="case",
    owner="case_id",
    columns=(("description", "description_ct"),),
)


def test_it_encrypts_existing_texts_in_batches_and_back(investigator):
    with connection.cursor() as cursor:
        # First: the table cannot be altered once rows wait for their deferred checks.
        cursor.execute("ALTER TABLE cases_casesubject ADD COLUMN description text")
    cases = [make_case(lead=investigator) for _ in range(3)]
    for case in cases * 2:
        services.case_subject_add(actor=investigator, case=case, role="witness")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_casesubject SET description = CASE WHEN sequence = 1 "
            "THEN 'Synthetic person ' || id ELSE '' END"
        )
    assert encrypt_texts_existing(connection, LAYOUT, batch=2) == 3  # the empty ones stay NULL
    assert encrypt_texts_existing(connection, LAYOUT, batch=2) == 0  # resumable: nothing left
    subjects = list(CaseSubject.objects.order_by("id"))
    assert [s.description for s in subjects] == [
        f"Synthetic person {s.pk}" if s.sequence == 1 else "" for s in subjects
    ]
    assert [s.description_ct is None for s in subjects] == [s.sequence != 1 for s in subjects]

    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casesubject SET description = NULL")
        assert decrypt_texts_existing(connection, LAYOUT, batch=4) == 6
        cursor.execute("SELECT id, description FROM cases_casesubject ORDER BY id")
        back = cursor.fetchall()
    assert back == [(s.pk, s.description) for s in subjects]


@pytest.mark.django_db(transaction=True)
def test_the_three_migration_steps_run_forwards_and_back(investigator):
    """cases.0013–0018 on rows written before them: notes (append-only) and safeguarding
    actions (whose case is filled from their victim record) included."""
    from django.db.migrations.executor import MigrationExecutor

    case = make_case(lead=investigator)
    services.case_note_add(actor=investigator, case=case, body="Synthetic note before")
    subject = services.case_subject_add(
        actor=investigator, case=case, role="victim", description="Synthetic before"
    )
    services.victim_record_update(
        actor=investigator, victim=subject.victim_record, icse_reference="ICSE-SYN-B"
    )
    services.victim_safeguarding_add(
        actor=investigator, victim=subject.victim_record, action="Synthetic visit before"
    )
    before = [("cases", "0012_drop_plaintext_identifier_values")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT body FROM cases_casenote WHERE case_id = %s", [case.pk])
            assert cursor.fetchone() == ("Synthetic note before",)
            cursor.execute("SELECT icse_reference FROM cases_victimrecord")
            assert cursor.fetchone() == ("ICSE-SYN-B",)
            cursor.execute("SELECT action FROM cases_safeguardingaction")
            assert cursor.fetchone() == ("Synthetic visit before",)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())  # every step, to the latest
    from casework.cases.models import CaseNote, SafeguardingAction, VictimRecord

    assert CaseNote.objects.get(case=case).body == "Synthetic note before"
    assert CaseSubject.objects.get(case=case).description == "Synthetic before"
    assert VictimRecord.objects.get(case=case).icse_reference == "ICSE-SYN-B"
    action = SafeguardingAction.objects.get(victim__case=case)
    assert (action.case_id, action.action) == (case.pk, "Synthetic visit before")
    # and the notes are append-only again
    with connection.cursor() as cursor, pytest.raises(DatabaseError, match="append-only"):
        cursor.execute("UPDATE cases_casenote SET created_at = now()")

"""The migration step that encrypts texts already stored (cases.0014) works batch by batch,
resumes where it stopped, writes what the models read, and has a way back. Run here against
the subjects table with its plaintext column put back for the test (the transaction of the
test undoes it)."""

from __future__ import annotations

import pytest
from django.db import connection

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

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import CaseNote, VictimRecord
from casework.core.errors import DomainError, NotFound

pytestmark = pytest.mark.django_db


def test_subjects_get_pseudonyms_in_order(north_case, investigator):
    a = services.case_subject_add(actor=investigator, case=north_case, role="suspect")
    b = services.case_subject_add(actor=investigator, case=north_case, role="victim")
    assert (a.pseudonym, b.pseudonym) == ("Subject A", "Subject B")
    assert VictimRecord.objects.get(subject=b).identification == "unidentified"


def test_pseudonyms_go_past_z():
    from casework.cases.models import pseudonym_for

    assert pseudonym_for(26) == "Subject Z"
    assert pseudonym_for(27) == "Subject AA"


def test_notes_are_append_only_in_the_database(north_case, investigator):
    note = services.case_note_add(actor=investigator, case=north_case, body="Synthetic note one")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CaseNote.objects.filter(pk=note.pk).update(body_ct=b"Rewritten")
    correction = services.case_note_add(
        actor=investigator, case=north_case, body="Synthetic correction", corrects=note
    )
    assert list(note.corrections.all()) == [correction]
    assert CaseNote.objects.get(pk=note.pk).body == "Synthetic note one"


def test_a_correction_must_point_into_the_same_case(north_case, investigator, teammate):
    from tests.cases.factories import make_case

    other = make_case(lead=investigator)
    note = services.case_note_add(actor=investigator, case=other, body="Other case note")
    with pytest.raises(DomainError, match="same case"):
        services.case_note_add(actor=investigator, case=north_case, body="x", corrects=note)


def test_tasks_go_to_people_on_the_case(north_case, investigator, teammate, supervisor, north):
    from tests.factories import UserFactory

    task = services.case_task_add(
        actor=investigator, case=north_case, title="Send preservation request", assignee=teammate
    )
    services.case_task_complete(actor=teammate, task=task)
    assert task.is_done and task.done_by == teammate
    services.case_task_reopen(actor=investigator, task=task)
    assert not task.is_done
    stranger = UserFactory(unit=north, roles=["investigator"])
    with pytest.raises(DomainError, match="not on"):
        services.case_task_add(actor=investigator, case=north_case, title="x", assignee=stranger)


def test_victim_records_are_kept_from_a_granted_administrator(
    north_case, investigator, administrator
):
    from guardian.shortcuts import assign_perm

    subject = services.case_subject_add(actor=investigator, case=north_case, role="victim")
    assign_perm("cases.view_case_content", administrator, north_case)
    with pytest.raises(NotFound):
        services.victim_record_update(
            actor=administrator, victim=subject.victim_record, identification="identified"
        )


def test_victim_progress_is_recorded_with_times(north_case, teammate):
    subject = services.case_subject_add(actor=teammate, case=north_case, role="victim")
    victim = services.victim_record_update(
        actor=teammate,
        victim=subject.victim_record,
        identification="safeguarded",
        icse_reference="ICSE-SYN-0001",
    )
    assert victim.identified_at is not None and victim.safeguarded_at is not None
    services.victim_safeguarding_add(actor=teammate, victim=victim, action="Synthetic action 1")
    assert victim.safeguarding_actions.count() == 1
    assert AuditEvent.objects.filter(action="victim.update", case_id=north_case.pk).exists()

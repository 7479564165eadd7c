"""Encrypted free text (subjects' descriptions, victims' references, notes): read in clear by
the case's people with one key query a page, "[disposed]" once the case's key is destroyed,
encrypted again under the original's key when cases merge, and bound to its case."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.cases import services
from casework.cases.models import CaseNote, CaseSubject, SafeguardingAction, VictimRecord
from casework.core.errors import DomainError
from casework.privacy.crypto import DISPOSED, UNREADABLE
from casework.privacy.services import data_key_destroy
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def _key_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return sum(1 for q in captured.captured_queries if "privacy_datakey" in q["sql"])


def test_it_reads_the_case_key_once_a_page_however_many_notes(investigator, client_for, api_for):
    case = make_case(lead=investigator)
    services.case_note_add(actor=investigator, case=case, body="Synthetic note 0")
    client, api = client_for(investigator), api_for(investigator)
    urls = (f"/cases/{case.number}/notes/", f"/api/v1/cases/{case.number}/notes/")
    few = tuple(_key_queries(c, u) for c, u in zip((client, api), urls, strict=True))
    for n in range(1, 8):
        services.case_note_add(actor=investigator, case=case, body=f"Synthetic note {n}")
    many = tuple(_key_queries(c, u) for c, u in zip((client, api), urls, strict=True))
    assert many == few == (1, 1)
    assert "Synthetic note 7" in client.get(urls[0]).content.decode()


def test_an_empty_text_stores_nothing_and_needs_no_key(investigator):
    case = make_case(lead=investigator)
    subject = services.case_subject_add(actor=investigator, case=case, role="victim")
    row = CaseSubject.objects.get(pk=subject.pk)
    assert row.description_ct is None and row.description == ""
    victim = VictimRecord.objects.get(subject=subject)
    assert victim.icse_reference_ct is None and victim.icse_reference == ""


def test_a_destroyed_key_leaves_disposed_and_refuses_new_text(investigator, client_for):
    case = make_case(lead=investigator)
    services.case_note_add(actor=investigator, case=case, body="Synthetic note kept")
    subject = services.case_subject_add(
        actor=investigator, case=case, role="victim", description="Synthetic person"
    )
    services.victim_record_update(
        actor=investigator, victim=subject.victim_record, icse_reference="ICSE-SYN-1"
    )
    data_key_destroy(actor=investigator, case=case, reason="Disposal approved")

    assert CaseNote.objects.get(case=case).body == DISPOSED
    assert CaseSubject.objects.get(case=case).description == DISPOSED
    assert VictimRecord.objects.get(case=case).icse_reference == DISPOSED
    page = client_for(investigator).get(f"/cases/{case.number}/notes/").content.decode()
    assert DISPOSED in page and "Synthetic note kept" not in page
    with pytest.raises(DomainError, match="disposed"):
        services.case_note_add(actor=investigator, case=case, body="Synthetic note new")


def test_a_ciphertext_moved_to_another_case_does_not_open(investigator):
    first, second = make_case(lead=investigator), make_case(lead=investigator)
    note = services.case_note_add(actor=investigator, case=first, body="Synthetic note A")
    services.case_subject_add(actor=investigator, case=second, role="suspect", description="x")
    subject = CaseSubject.objects.get(case=second)
    subject.description_ct = CaseNote.objects.get(pk=note.pk).body_ct
    assert subject.description == UNREADABLE


def test_the_ledger_learns_which_reference_changed_not_its_value(investigator):
    from casework.audit.models import AuditEvent

    case = make_case(lead=investigator)
    subject = services.case_subject_add(actor=investigator, case=case, role="victim")
    services.victim_record_update(
        actor=investigator, victim=subject.victim_record, national_reference="NAT-SYN-77"
    )
    event = AuditEvent.objects.filter(action="victim.update").latest("id")
    assert event.details == {"references_changed": ["national_reference"]}
    assert "NAT-SYN-77" not in str(event.changes) + str(event.details)


def test_a_merge_encrypts_the_duplicates_texts_under_the_originals_key(investigator, supervisor):
    original = make_case(lead=investigator)
    duplicate = make_case(lead=investigator)
    services.case_note_add(actor=investigator, case=duplicate, body="Synthetic merged note")
    subject = services.case_subject_add(
        actor=investigator, case=duplicate, role="victim", description="Synthetic merged person"
    )
    services.victim_record_update(
        actor=investigator, victim=subject.victim_record, icse_reference="ICSE-SYN-M"
    )
    services.victim_safeguarding_add(
        actor=investigator, victim=subject.victim_record, action="Synthetic merged visit"
    )
    services.case_merge(
        actor=supervisor, duplicate=duplicate, original=original, reason="Same referral"
    )
    assert [n.body for n in CaseNote.objects.filter(case=original)] == ["Synthetic merged note"]
    assert CaseSubject.objects.get(case=original).description == "Synthetic merged person"
    assert VictimRecord.objects.get(case=original).icse_reference == "ICSE-SYN-M"
    action = SafeguardingAction.objects.get(victim__subject=subject)
    assert (action.case_id, action.action) == (original.pk, "Synthetic merged visit")
    # Shredding the original now shreds what came from the duplicate.
    data_key_destroy(actor=supervisor, case=original, reason="Disposal approved")
    assert CaseSubject.objects.get(case=original).description == DISPOSED

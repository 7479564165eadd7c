from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import Case, CaseIdentifier
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def test_it_lists_only_visible_cases_in_bounded_queries(
    client_for, investigator, teammate, outsider, django_assert_max_num_queries
):
    for i in range(30):
        make_case(lead=investigator, title=f"Synthetic case {i:04d}", assignees=[teammate])
    hidden = make_case(lead=outsider, title="Synthetic south case")
    web = client_for(investigator)
    web.get("/cases/")  # warm up session and caches
    with django_assert_max_num_queries(14):
        response = web.get("/cases/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Synthetic case 0029" in body
    assert hidden.number not in body and "Synthetic south case" not in body


def test_keyset_pages_do_not_repeat_or_skip(client_for, investigator, settings):
    from casework.cases import selectors

    numbers = {make_case(lead=investigator).number for _ in range(7)}
    seen, cursor = [], ""
    while True:
        page = selectors.case_list(user=investigator, cursor=cursor, limit=3)
        seen += [case.number for case in page.cases]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(numbers) and len(seen) == 7


def test_search_finds_by_number_title_and_identifier_and_is_audited(
    client_for, investigator, outsider
):
    case = make_case(lead=investigator, title="Synthetic operation heron")
    services.case_identifier_add(actor=investigator, case=case, kind="email", raw="a1@example.org")
    south = make_case(lead=outsider, title="Synthetic operation heron south")
    services.case_identifier_add(actor=outsider, case=south, kind="email", raw="a1@example.org")
    web = client_for(investigator)
    for q in (case.number, "heron", "A1@Example.org"):
        body = web.get("/cases/", {"q": q}).content.decode()
        assert case.number in body, q
        assert south.number not in body, q
    assert AuditEvent.objects.filter(action="case.search", actor=investigator).count() == 3


def test_an_investigator_opens_a_case_through_the_form(client_for, investigator):
    response = client_for(investigator).post(
        "/cases/new/",
        {"title": "Synthetic case via form", "priority": "P2", "lead": investigator.pk},
    )
    case = Case.objects.get(title="Synthetic case via form")
    assert response.status_code == 302 and response.url == f"/cases/{case.number}/"
    assert case.priority == "P2"


def test_case_pages_are_audited_and_404_for_outsiders(
    client_for, investigator, outsider, auditor, administrator
):
    case = make_case(lead=investigator)
    tabs = ["", "subjects/", "identifiers/", "victims/", "notes/", "tasks/"]
    web = client_for(investigator)
    for tab in tabs:
        assert web.get(f"/cases/{case.number}/{tab}").status_code == 200, tab
    assert AuditEvent.objects.filter(action="case.view", case_id=case.pk).count() == len(tabs)
    for user in (outsider, auditor, administrator):
        other = client_for(user)
        for tab in tabs:
            assert other.get(f"/cases/{case.number}/{tab}").status_code == 404, (user, tab)


def test_adding_an_identifier_shows_a_hidden_match_without_its_content(
    client_for, investigator, outsider
):
    case = make_case(lead=investigator)
    south = make_case(lead=outsider, title="Synthetic south secret title")
    services.case_identifier_add(actor=outsider, case=south, kind="ip_address", raw="192.0.2.44")
    response = client_for(investigator).post(
        f"/cases/{case.number}/identifiers/",
        {"kind": "ip_address", "raw": "192.0.2.44", "ip_event": "login", "port": "443"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "South Unit" in body and outsider.email in body
    assert south.number not in body and "secret title" not in body
    assert CaseIdentifier.objects.filter(case=case, port=443, ip_event="login").exists()


def test_an_invalid_identifier_is_a_form_error(client_for, investigator):
    case = make_case(lead=investigator)
    response = client_for(investigator).post(
        f"/cases/{case.number}/identifiers/", {"kind": "phone", "raw": "12"}
    )
    assert response.status_code == 400
    assert "not a phone number" in response.content.decode()
    assert not CaseIdentifier.objects.exists()


def test_victim_records_need_a_reason_and_each_view_is_audited(
    client_for, investigator, administrator
):
    from guardian.shortcuts import assign_perm

    case = make_case(lead=investigator)
    subject = services.case_subject_add(actor=investigator, case=case, role="victim")
    services.victim_record_update(
        actor=investigator, victim=subject.victim_record, icse_reference="ICSE-SYN-77"
    )
    web = client_for(investigator)
    gate = web.get(f"/cases/{case.number}/victims/").content.decode()
    assert "ICSE-SYN-77" not in gate and "Say why" in gate
    shown = web.post(f"/cases/{case.number}/victims/", {"reason": "Preparing the ICSE submission"})
    assert "ICSE-SYN-77" in shown.content.decode()
    event = AuditEvent.objects.get(action="victim.view", case_id=case.pk)
    assert event.reason == "Preparing the ICSE submission"
    assign_perm("cases.view_case_content", administrator, case)
    admin_page = client_for(administrator).post(
        f"/cases/{case.number}/victims/", {"reason": "Curious"}
    )
    assert "ICSE-SYN-77" not in admin_page.content.decode()
    assert AuditEvent.objects.filter(action="victim.view").count() == 1


def test_a_note_is_corrected_not_edited(client_for, investigator):
    case = make_case(lead=investigator)
    note = services.case_note_add(actor=investigator, case=case, body="Synthetic first note")
    web = client_for(investigator)
    web.post(f"/cases/{case.number}/notes/", {"body": "Synthetic fix", "corrects": note.pk})
    body = web.get(f"/cases/{case.number}/notes/").content.decode()
    assert "Synthetic first note" in body and "Synthetic fix" in body and "corrected later" in body


def test_the_supervisor_approves_a_closure_from_the_queue(client_for, investigator, supervisor):
    case = make_case(lead=investigator)
    web = client_for(investigator)
    response = web.post(
        f"/cases/{case.number}/close/request/",
        {"outcome": "arrests", "reason": "Synthetic reason"},
    )
    assert response.status_code == 302
    queue = client_for(supervisor).get("/cases/closures/").content.decode()
    assert case.number in queue
    client_for(supervisor).post(
        f"/cases/{case.number}/close/approve/", {"next": "queue", "note": ""}
    )
    case.refresh_from_db()
    assert case.status == "closed" and case.closure_outcome == "arrests"


def test_an_illegal_status_change_shows_the_reason(client_for, investigator):
    case = make_case(lead=investigator)
    services.case_change_status(actor=investigator, case=case, status="active")
    response = client_for(investigator).post(f"/cases/{case.number}/status/", {"status": "open"})
    assert response.status_code == 400
    assert "cannot become open" in response.content.decode()


def test_tasks_can_be_added_and_done(client_for, investigator, teammate):
    case = make_case(lead=investigator, assignees=[teammate])
    web = client_for(teammate)
    web.post(f"/cases/{case.number}/tasks/", {"title": "Synthetic task", "assignee": teammate.pk})
    task = case.tasks.get()
    web.post(f"/cases/{case.number}/tasks/{task.pk}/toggle/")
    task.refresh_from_db()
    assert task.is_done


def test_unit_list_and_closures_are_for_supervisors_only(client_for, investigator, supervisor):
    assert client_for(investigator).get("/cases/unit/").status_code == 404
    assert client_for(investigator).get("/cases/closures/").status_code == 404
    assert client_for(supervisor).get("/cases/unit/").status_code == 200


def test_home_panel_lists_my_cases(client_for, investigator):
    case = make_case(lead=investigator)
    body = client_for(investigator).get("/").content.decode()
    assert case.number in body


def test_list_and_case_pages_do_not_grow_queries_with_rows(client_for, investigator, teammate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = client_for(investigator)
    case = make_case(lead=investigator, assignees=[teammate])

    def count(path):
        web.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert web.get(path).status_code == 200
        return len(captured)

    # One note and one subject to start: their data key is read once for the page (one
    # query), however many rows follow.
    services.case_note_add(actor=investigator, case=case, body="Synthetic note first")
    services.case_subject_add(actor=investigator, case=case, role="suspect", description="First")
    pages = ("/cases/", f"/cases/{case.number}/notes/", f"/cases/{case.number}/subjects/")
    few = {p: count(p) for p in pages}
    for i in range(12):
        make_case(lead=investigator, title=f"Synthetic more {i}")
        services.case_note_add(actor=investigator, case=case, body=f"Synthetic note {i}")
        services.case_task_add(actor=investigator, case=case, title=f"Synthetic task {i}")
    many = {p: count(p) for p in few}
    assert many == few
    assert count(f"/cases/{case.number}/tasks/") <= few[f"/cases/{case.number}/notes/"] + 2


def test_filtering_with_htmx_returns_only_the_results(client_for, investigator):
    make_case(lead=investigator, title="Synthetic case kestrel")
    make_case(lead=investigator, title="Synthetic case osprey", priority="P1")
    response = client_for(investigator).get("/cases/", {"priority": "P1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "osprey" in body and "kestrel" not in body


def test_the_lead_removes_an_assignee_who_then_loses_the_case(client_for, investigator, teammate):
    case = make_case(lead=investigator, assignees=[teammate])
    web = client_for(investigator)
    assert web.post(f"/cases/{case.number}/unassign/", {"user": "junk"}).status_code == 404
    response = web.post(f"/cases/{case.number}/unassign/", {"user": teammate.pk})
    assert response.status_code == 302
    assert client_for(teammate).get(f"/cases/{case.number}/").status_code == 404

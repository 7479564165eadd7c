"""Walk every web and API route of the cases app, as every persona, against records of a unit
they have no part in, and prove nothing leaks: 404 on anything naming the case, and the
case's number, title, identifiers and notes absent from every answer."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from casework.audit.models import AuditEvent
from casework.cases import api_urls, services, urls
from casework.cases.models import CaseIdentifier, CaseNote, CaseSubject, CaseTask
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Synthetic restricted title"
SECRET_NOTE = "Synthetic restricted note body"
SECRET_IDENTIFIER = "restricted_8812@example.org"


def _seed(lead, teammate=None):
    case = make_case(
        lead=lead,
        title=f"{SECRET_TITLE} {lead.unit.code}",
        assignees=[teammate] if teammate else [],
    )
    identifier = services.case_identifier_add(
        actor=lead, case=case, kind="email", raw=f"{lead.unit.code}.{SECRET_IDENTIFIER}"
    )
    note = services.case_note_add(actor=lead, case=case, body=f"{SECRET_NOTE} {lead.unit.code}")
    task = services.case_task_add(actor=lead, case=case, title="Synthetic restricted task")
    victim = services.case_subject_add(actor=lead, case=case, role="victim").victim_record
    services.case_close_request(
        actor=lead,
        case=case,
        reason="Synthetic",
        outcome="other",
        carried={f"task:{task.pk}": "Synthetic reason to carry"},
    )
    return {"case": case, "identifier": identifier, "note": note, "task": task, "victim": victim}


def _routes(module, namespace):
    for pattern in module.urlpatterns:
        assert isinstance(pattern, URLPattern)
        yield namespace, pattern


def _path(namespace, pattern, records):
    converters = pattern.pattern.converters
    kwargs = {}
    if "number" in converters:
        kwargs["number"] = records["case"].number
    if "pk" in converters:
        name = pattern.name
        source = (
            "victim"
            if "victim" in name
            else "task"
            if "task" in name
            else "identifier"
            if "deconflict" in name
            else "note"
        )
        kwargs["pk"] = records[source].pk
    return reverse(f"{namespace}:{pattern.name}", kwargs=kwargs), "number" in converters


def _assert_no_leak(response, records, where, echoed=()):
    """``echoed``: text the request itself carried (the number in a 404 message, a search
    term in the search box); it says nothing about whether the case exists."""
    body = response.content.decode(errors="replace")
    case = records["case"]
    body = body.replace(f"No case {case.number} that you can see.", "")
    for text in echoed:
        body = body.replace(text, "")
    for secret in (case.number, case.title, records["note"].body, records["identifier"].raw_value):
        assert secret not in body, f"{where}: leaked {secret!r}"


def test_no_route_leaks_another_units_case(
    client_for,
    api_for,
    investigator,
    teammate,
    supervisor,
    outsider,
    outside_supervisor,
    auditor,
    administrator,
):
    north = _seed(investigator, teammate)
    south = _seed(outsider)
    counts_before = [m.objects.count() for m in (CaseIdentifier, CaseNote, CaseTask, CaseSubject)]
    matrix = [
        (investigator, south),
        (teammate, south),
        (supervisor, south),
        (outsider, north),
        (outside_supervisor, north),
        (auditor, north),
        (auditor, south),
        (administrator, north),
        (administrator, south),
    ]
    checked = 0
    for user, records in matrix:
        web, api = client_for(user), api_for(user)
        routes = [("web", web, r) for r in _routes(urls, "cases")]
        routes += [("api", api, r) for r in _routes(api_urls, "cases-api")]
        for kind, client, (namespace, pattern) in routes:
            path, names_case = _path(namespace, pattern, records)
            where = f"{user.username} {kind} {path}"
            if kind == "api":
                get = client.get(path, HTTP_CASEWORK_REASON="Synthetic probe")
                post = client.post(path, {}, format="json")
                patch = client.patch(path, {}, format="json")
            else:
                get = client.get(path)
                post = client.post(path, {"reason": "Synthetic probe", "note": "x"})
                patch = None
            for response in (get, post, patch):
                if response is None:
                    continue
                if user == auditor and pattern.name.startswith("chronology"):
                    # The chronology is the ledger in words: auditors read it for any case, as
                    # they read the trail, by number but without title, notes or values.
                    assert response.status_code in (200, 405), f"{where}: {response.status_code}"
                    _assert_no_leak(response, records, where, echoed=[records["case"].number])
                    checked += 1
                    continue
                if names_case:
                    if kind == "web" and response.status_code == 302:
                        # A GET on a form's address goes up to the page above it, whoever asks
                        # and whether or not the case exists; that page then answers 404.
                        target = response["Location"]
                        assert path.startswith(target), f"{where}: to {target}"
                        assert client.get(target).status_code == 404, f"{where}: {target}"
                        continue
                    assert response.status_code in (404, 405), f"{where}: {response.status_code}"
                    if response.status_code == 405:
                        continue
                _assert_no_leak(response, records, where)
                checked += 1
    assert checked > 300
    counts_after = [m.objects.count() for m in (CaseIdentifier, CaseNote, CaseTask, CaseSubject)]
    assert counts_after == counts_before
    for records in (north, south):
        case = records["case"]
        assert case.closure_requests.get().status == "pending"
        viewers = set(
            AuditEvent.objects.filter(action__in=["case.view", "victim.view"], case_id=case.pk)
            # The auditor's reading of the chronology is a recorded view, and the only one.
            .exclude(actor_username="auditor", details__tab="chronology")
            .values_list("actor_username", flat=True)
        )
        assert viewers == set(), viewers


def test_no_list_or_count_includes_another_units_case(client_for, investigator, outsider):
    south = _seed(outsider)
    web = client_for(investigator)
    number = south["case"].number
    for path in ("/cases/", "/cases/mine/", "/", f"/cases/?q={number}"):
        _assert_no_leak(web.get(path), south, path, echoed=[f'value="{number}"'])
    from casework.cases.selectors import case_list, cases_visible_to

    assert cases_visible_to(investigator).count() == 0
    assert case_list(user=investigator).cases == []

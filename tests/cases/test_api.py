from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.cases import services
from casework.cases.models import Case
from tests.cases.factories import make_case

pytestmark = pytest.mark.django_db


def test_it_lists_visible_cases_with_a_cursor(
    api_for, investigator, outsider, django_assert_max_num_queries
):
    mine = [make_case(lead=investigator, title=f"Synthetic {i}") for i in range(5)]
    make_case(lead=outsider)
    api = api_for(investigator)
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/cases/", {"page_size": 3})
    body = response.json()
    assert [c["number"] for c in body["results"]] == [c.number for c in reversed(mine)][:3]
    rest = api.get(body["next"]).json()
    assert len(rest["results"]) == 2 and rest["next"] is None


def test_an_investigator_opens_a_case_and_adds_an_identifier(api_for, investigator, outsider):
    api = api_for(investigator)
    created = api.post(
        "/api/v1/cases/", {"title": "Synthetic API case", "priority": "P2"}, format="json"
    )
    assert created.status_code == 201
    number = created.json()["number"]
    south = make_case(lead=outsider, title="Synthetic hidden")
    services.case_identifier_add(actor=outsider, case=south, kind="email", raw="x9@example.org")
    added = api.post(
        f"/api/v1/cases/{number}/identifiers/",
        {"kind": "email", "value": "X9@example.org"},
        format="json",
    )
    assert added.status_code == 201
    [match] = added.json()["matches"]
    assert match["visible"] is False and match["case_number"] is None
    assert match["unit_name"] == "South Unit" and match["lead_email"] == outsider.email
    assert south.number not in added.content.decode()


def test_an_invalid_identifier_is_a_problem_detail(api_for, investigator):
    case = make_case(lead=investigator)
    response = api_for(investigator).post(
        f"/api/v1/cases/{case.number}/identifiers/",
        {"kind": "ip_address", "value": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "value"


def test_transitions_and_closure_through_the_api(api_for, investigator, supervisor):
    case = make_case(lead=investigator)
    api = api_for(investigator)
    url = f"/api/v1/cases/{case.number}"
    assert (
        api.post(f"{url}/transition/", {"status": "active"}, format="json").json()["status"]
        == "active"
    )
    refused = api.post(f"{url}/transition/", {"status": "closed"}, format="json")
    assert refused.status_code == 400 and "approval" in refused.json()["detail"]
    assert api.post(f"{url}/approve/", {}, format="json").status_code == 400
    assert (
        api.post(
            f"{url}/close-request/", {"reason": "Done", "outcome": "arrests"}, format="json"
        ).status_code
        == 201
    )
    assert api.post(f"{url}/approve/", {}, format="json").status_code == 403
    approved = api_for(supervisor).post(f"{url}/approve/", {}, format="json")
    assert approved.json()["status"] == "closed"
    assert Case.objects.get(pk=case.pk).closed_at is not None


def test_notes_subjects_tasks(api_for, investigator, teammate):
    case = make_case(lead=investigator, assignees=[teammate])
    api = api_for(teammate)
    url = f"/api/v1/cases/{case.number}"
    note = api.post(f"{url}/notes/", {"body": "Synthetic note"}, format="json").json()
    api.post(
        f"{url}/notes/", {"body": "Synthetic correction", "corrects": note["id"]}, format="json"
    )
    notes = api.get(f"{url}/notes/").json()["results"]
    assert [n["corrects"] for n in notes] == [None, note["id"]]
    subject = api.post(f"{url}/subjects/", {"role": "victim"}, format="json").json()
    assert subject["pseudonym"] == "Subject A"
    task = api.post(
        f"{url}/tasks/", {"title": "Synthetic task", "assignee": "inv.north"}, format="json"
    ).json()
    done = api.post(f"{url}/tasks/{task['id']}/", {"done": True}, format="json").json()
    assert done["done_by"] == "inv2.north"


def test_victims_need_a_reason_header(api_for, investigator):
    case = make_case(lead=investigator)
    services.case_subject_add(actor=investigator, case=case, role="victim")
    api = api_for(investigator)
    url = f"/api/v1/cases/{case.number}/victims/"
    assert api.get(url).status_code == 400
    shown = api.get(url, HTTP_CASEWORK_REASON="Synthetic review")
    assert shown.status_code == 200 and shown.json()[0]["pseudonym"] == "Subject A"
    victim_id = shown.json()[0]["id"]
    patched = api.patch(
        f"{url}{victim_id}/",
        {"identification": "identified", "safeguarding_action": "Synthetic action"},
        format="json",
        HTTP_CASEWORK_REASON="Synthetic update",
    )
    assert patched.json()["identification"] == "identified"
    assert AuditEvent.objects.filter(action="victim.view", reason="Synthetic review").exists()


def test_deconflict_lookup_without_adding(api_for, investigator, outsider):
    south = make_case(lead=outsider)
    services.case_identifier_add(
        actor=outsider, case=south, kind="device_id", raw="35-209900-176148-1", device_kind="imei"
    )
    response = api_for(investigator).post(
        "/api/v1/cases/deconflict/",
        {"kind": "device_id", "value": "352099001761481", "device_kind": "imei"},
        format="json",
    )
    [match] = response.json()
    assert match["unit_code"] == "south" and match["case_title"] is None


def test_outsiders_get_404_on_every_route(api_for, investigator, outsider, auditor):
    case = make_case(lead=investigator)
    for user in (outsider, auditor):
        api = api_for(user)
        assert case.number not in api.get("/api/v1/cases/").content.decode()
        for suffix in ("", "identifiers/", "subjects/", "notes/", "tasks/", "victims/"):
            assert api.get(f"/api/v1/cases/{case.number}/{suffix}").status_code == 404, suffix
        assert (
            api.post(
                f"/api/v1/cases/{case.number}/notes/", {"body": "x"}, format="json"
            ).status_code
            == 404
        )


def test_auditors_and_administrators_cannot_deconflict(api_for, auditor, administrator):
    for user in (auditor, administrator):
        response = api_for(user).post(
            "/api/v1/cases/deconflict/", {"kind": "email", "value": "a@example.org"}, format="json"
        )
        assert response.status_code == 403


# --- issue 23: odd input never reaches a 500 ----------------------------------------------------


@pytest.mark.parametrize("q", ["2[", "http://[x", "[::1", "]["])
def test_search_with_a_bracket_never_fails(api_for, client_for, investigator, q):
    make_case(lead=investigator, title="Synthetic bracket case")
    assert api_for(investigator).get("/api/v1/cases/", {"q": q}).status_code == 200
    assert client_for(investigator).get("/cases/", {"q": q}).status_code == 200


def test_deconflicting_an_unreadable_web_address_is_a_located_400(api_for, investigator):
    response = api_for(investigator).post(
        "/api/v1/cases/deconflict/", {"kind": "profile_url", "value": "http://[x"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["value"]


def test_adding_an_unreadable_web_address_to_a_case_is_a_located_400(api_for, investigator):
    case = make_case(lead=investigator)
    response = api_for(investigator).post(
        f"/api/v1/cases/{case.number}/identifiers/",
        {"kind": "profile_url", "value": "http://[x"},
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["value"]
    assert case.identifiers.count() == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "opne"}, "status"),
        ({"priority": "P9"}, "priority"),
        ({"scope": "everyone"}, "scope"),
        ({"q": "x" * 5000}, "q"),
        ({"q": "user\x1b[2J"}, "q"),
        ({"q": "two\nlines"}, "q"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"page_size": "100000"}, "page_size"),
    ],
)
def test_a_filter_value_that_means_nothing_is_a_400_naming_it(api_for, investigator, params, field):
    make_case(lead=investigator)
    response = api_for(investigator).get("/api/v1/cases/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("tab", ["notes", "identifiers", "subjects", "tasks"])
def test_the_browsable_api_draws_every_case_list(api_for, investigator, tab):
    case = make_case(lead=investigator)
    response = api_for(investigator).get(
        f"/api/v1/cases/{case.number}/{tab}/", HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_the_schema_says_which_case_fields_may_be_null(client):
    schemas = _schema(client)["components"]["schemas"]
    assert _nullable(schemas["CaseDetail"]["properties"]["pending_closure"])
    assert _nullable(schemas["CaseTask"]["properties"]["assignee"])
    assert _nullable(schemas["CaseTask"]["properties"]["done_by"])


def _schema(client) -> dict:
    return client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _nullable(prop: dict) -> bool:
    import json

    return '"null"' in json.dumps(prop) or prop.get("nullable") is True


def test_a_case_opened_for_another_lead_answers_as_the_schema_says(
    api_for, client, investigator, teammate
):
    from jsonschema_rs import validator_for

    created = api_for(investigator).post(
        "/api/v1/cases/", {"title": "Synthetic for a teammate", "lead": "inv2.north"}, format="json"
    )
    assert created.status_code == 201
    assert set(created.json()) == {"number"}
    schema = _schema(client)
    response = schema["paths"]["/api/v1/cases/"]["post"]["responses"]["201"]
    body_schema = response["content"]["application/json"]["schema"]
    body_schema = {**body_schema, "components": schema["components"]}
    assert validator_for(body_schema).is_valid(created.json())

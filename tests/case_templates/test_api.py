"""The case templates API: reading and editing templates, and a case's checklist."""

from __future__ import annotations

import pytest

from casework.case_templates.models import CaseTemplate, ChecklistItem
from casework.deadlines.choices import DeadlineKind
from casework.deadlines.rules import rule_for

pytestmark = pytest.mark.django_db

BODY = {
    "name": "Synthetic API template",
    "incident_type": "misleading-domain",
    "tasks": [{"title": "Send a takedown notice", "due_days": 1}],
    "checklist": [{"statement": "Takedown sent", "evidence": "request:takedown", "due_days": 2}],
}


def test_an_administrator_creates_and_revises_a_template(administrator, api_for):
    api = api_for(administrator)
    rule = rule_for(kind=DeadlineKind.ICSE_SUBMISSION)
    created = api.post(
        "/api/v1/case_templates/templates/", {**BODY, "clocks": [rule.pk]}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version"] == 1
    assert body["clocks"][0]["kind"] == "icse_submission"
    revised = api.put(
        f"/api/v1/case_templates/templates/{body['id']}/", {**BODY, "tasks": []}, format="json"
    )
    assert revised.status_code == 200
    assert revised.json()["version"] == 2
    assert revised.json()["tasks"] == []


@pytest.mark.parametrize("persona", ["investigator", "supervisor"])
def test_workers_read_templates_but_cannot_write_them(persona, template, api_for, request):
    api = api_for(request.getfixturevalue(persona))
    listed = api.get("/api/v1/case_templates/templates/")
    assert [t["name"] for t in listed.json()] == [template.name]
    refused = api.post("/api/v1/case_templates/templates/", BODY, format="json")
    assert refused.status_code == 403
    assert not CaseTemplate.objects.filter(name=BODY["name"]).exists()


def test_the_auditor_reads_no_templates(template, auditor, api_for):
    assert api_for(auditor).get("/api/v1/case_templates/templates/").status_code == 403
    assert (
        api_for(auditor).get(f"/api/v1/case_templates/templates/{template.pk}/").status_code == 404
    )


def test_bad_input_is_a_problem_with_the_field(administrator, api_for):
    response = api_for(administrator).post(
        "/api/v1/case_templates/templates/",
        {**BODY, "checklist": [{"statement": "x", "evidence": "nothing"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "checklist" in response.json()["errors"][0]["field"]


def test_the_team_reads_and_resolves_the_checklist(templated_case, teammate, api_for):
    api = api_for(teammate)
    url = f"/api/v1/case_templates/cases/{templated_case.number}/checklist/"
    body = api.get(url).json()
    assert (body["template"], body["version"]) == ("Synthetic template", 1)
    assert len(body["items"]) == 4
    item = body["items"][3]
    resolved = api.post(f"{url}{item['id']}/", {"state": "not_applicable"}, format="json")
    assert resolved.status_code == 400
    assert resolved.json()["errors"][0]["field"] == "reason"
    resolved = api.post(
        f"{url}{item['id']}/", {"state": "not_applicable", "reason": "Synthetic"}, format="json"
    )
    assert resolved.json()["state"] == "not_applicable"


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor", "administrator"])
def test_outsiders_get_404_from_the_checklist_api(persona, templated_case, api_for, request):
    api = api_for(request.getfixturevalue(persona))
    item = ChecklistItem.objects.filter(case=templated_case).first()
    url = f"/api/v1/case_templates/cases/{templated_case.number}/checklist/"
    assert api.get(url).status_code == 404
    assert api.post(f"{url}{item.pk}/", {"state": "done"}, format="json").status_code == 404
    item.refresh_from_db()
    assert item.state == "open"

"""The template pages (administrators edit, workers read) and the checklist on the case page."""

from __future__ import annotations

import pytest

from casework.case_templates.models import CaseTemplate, ChecklistItem
from casework.deadlines.choices import DeadlineKind
from casework.deadlines.rules import rule_for

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_the_checklist_to_the_team(templated_case, teammate, client_for):
    page = client_for(teammate).get(f"/cases/{templated_case.number}/").content.decode()
    assert 'id="checklist"' in page
    assert "The provider&#x27;s data is preserved" in page
    assert "Synthetic template</a>, version 1" in page


def test_the_case_page_reads_the_checklist_in_a_bounded_number_of_queries(
    templated_case, investigator, client_for, django_assert_max_num_queries
):
    client = client_for(investigator)
    client.get(f"/cases/{templated_case.number}/")
    with django_assert_max_num_queries(40):
        assert client.get(f"/cases/{templated_case.number}/").status_code == 200


def test_ticking_from_the_case_page(templated_case, investigator, client_for):
    item = ChecklistItem.objects.get(case=templated_case, position=4)
    url = f"/case_templates/cases/{templated_case.number}/checklist/{item.pk}/"
    response = client_for(investigator).post(url, {"state": "done"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/cases/{templated_case.number}/#checklist")
    item.refresh_from_db()
    assert item.state == "done"


def test_not_applicable_without_a_reason_says_so_at_the_top_and_at_the_field(
    templated_case, investigator, client_for
):
    item = ChecklistItem.objects.get(case=templated_case, position=4)
    url = f"/case_templates/cases/{templated_case.number}/checklist/{item.pk}/"
    response = client_for(investigator).post(url, {"state": "not_applicable", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "usa-error-message" in page
    assert page.count("Say why this does not apply to the case.") == 2  # summary and field
    item.refresh_from_db()
    assert item.state == "open"


@pytest.mark.parametrize("persona", ["outsider", "outside_supervisor", "auditor", "administrator"])
def test_outsiders_get_404_for_the_checklist(persona, templated_case, client_for, request):
    item = ChecklistItem.objects.get(case=templated_case, position=4)
    client = client_for(request.getfixturevalue(persona))
    url = f"/case_templates/cases/{templated_case.number}/checklist/{item.pk}/"
    assert client.post(url, {"state": "done"}).status_code == 404
    assert client.get(f"/cases/{templated_case.number}/").status_code == 404
    item.refresh_from_db()
    assert item.state == "open"


def test_an_administrator_creates_a_template_from_the_page(administrator, client_for):
    rule = rule_for(kind=DeadlineKind.SAFEGUARDING_REVIEW)
    client = client_for(administrator)
    assert client.get("/case_templates/new/").status_code == 200
    response = client.post(
        "/case_templates/new/",
        {
            "name": "Synthetic page template",
            "active": "on",
            "tasks": "Send a preservation request | 1\nCheck identifiers",
            "clocks": [rule.pk],
            "checklist": "Data preserved | request:preservation | 2\nSource told | 7\nPlan agreed",
        },
    )
    assert response.status_code == 302
    template = CaseTemplate.objects.get(name="Synthetic page template")
    items = list(template.current_version.checklist_items.values_list("evidence", "due_days"))
    assert items == [("request:preservation", 2), ("", 7), ("", None)]
    detail = client.get(response["Location"]).content.decode()
    assert "Send a preservation request" in detail


def test_a_bad_line_is_named_and_nothing_is_saved(administrator, client_for):
    response = client_for(administrator).post(
        "/case_templates/new/",
        {"name": "Bad template", "checklist": "Fine\nData preserved | request:nothing"},
    )
    assert response.status_code == 400
    assert "Item 2: “request:nothing” is not one of the kinds of evidence" in (
        response.content.decode()
    )
    assert not CaseTemplate.objects.filter(name="Bad template").exists()


@pytest.mark.parametrize("persona", ["investigator", "supervisor", "auditor"])
def test_only_administrators_edit_templates(persona, template, client_for, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/case_templates/new/").status_code == 404
    assert client.get(f"/case_templates/{template.pk}/edit/").status_code == 404
    expected = 404 if persona == "auditor" else 200
    assert client.get(f"/case_templates/{template.pk}/").status_code == expected

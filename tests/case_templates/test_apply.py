"""Opening a case, by hand or by accepting a referral, applies a template and records its
version; later changes to the template leave open cases as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.audit.models import AuditEvent
from casework.case_templates.models import CaseTemplateUse, ChecklistItem
from casework.case_templates.services import TaskSpec, case_template_save
from casework.cases import services as case_services
from casework.cases.models import Case, CaseTask
from casework.core.errors import DomainError
from casework.deadlines.models import Deadline
from casework.referrals import services as referral_services
from tests.case_templates.factories import make_template
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db


def test_a_case_opened_with_a_template_gets_its_tasks_clocks_and_checklist(
    templated_case, template
):
    use = CaseTemplateUse.objects.get(case=templated_case)
    assert use.version == template.current_version
    tasks = CaseTask.objects.filter(case=templated_case).order_by("id")
    assert [t.title for t in tasks] == ["Send a preservation request", "Check identifiers"]
    assert tasks[0].due_at == templated_case.opened_at + timedelta(days=1)
    assert tasks[1].due_at is None
    kinds = set(
        Deadline.objects.filter(case=templated_case, source_type="case_template").values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"safeguarding_review", "icse_submission"}
    items = list(ChecklistItem.objects.filter(case=templated_case).order_by("position"))
    assert [i.state for i in items] == ["open"] * 4
    assert items[0].due_at == templated_case.opened_at + timedelta(days=2)
    applied = AuditEvent.objects.get(action="case.template_apply", case_id=templated_case.pk)
    assert applied.details["version"] == 1
    assert applied.details["checklist"] == 4


def test_accepting_a_referral_of_a_templated_incident_type_applies_its_template(
    template, investigator
):
    referral = make_referral(actor=investigator, incident_type="online-enticement")
    referral_services.referral_triage_start(actor=investigator, referral=referral)
    referral = referral_services.referral_accept(actor=investigator, referral=referral)
    use = CaseTemplateUse.objects.get(case=referral.case)
    assert use.version.template == template
    assert ChecklistItem.objects.filter(case=referral.case).count() == 4


def test_a_referral_of_another_type_opens_a_plain_case(template, investigator):
    referral = make_referral(actor=investigator, incident_type="misleading-domain")
    referral_services.referral_triage_start(actor=investigator, referral=referral)
    referral = referral_services.referral_accept(actor=investigator, referral=referral)
    assert not CaseTemplateUse.objects.filter(case=referral.case).exists()
    assert not CaseTask.objects.filter(case=referral.case).exists()


def test_a_later_change_does_not_rewrite_open_cases(templated_case, template, administrator):
    case_template_save(
        actor=administrator,
        template=template,
        name=template.name,
        incident_type=template.incident_type,
        tasks=[TaskSpec("A new first step")],
        clocks=[],
        checklist=[],
    )
    template.refresh_from_db()
    assert template.current_version.number == 2
    assert CaseTemplateUse.objects.get(case=templated_case).version.number == 1
    assert ChecklistItem.objects.filter(case=templated_case).count() == 4
    later = case_services.case_open(
        actor=templated_case.lead,
        unit=templated_case.unit,
        title="Later case",
        lead=templated_case.lead,
        template_id=template.pk,
    )
    assert CaseTemplateUse.objects.get(case=later).version.number == 2
    assert [t.title for t in later.tasks.all()] == ["A new first step"]


def test_a_retired_or_unknown_template_opens_no_case(template, administrator, investigator):
    retired = make_template(admin=administrator, name="Retired", active=False)
    before = Case.objects.count()
    for template_id in (retired.pk, 999_999):
        with pytest.raises(DomainError) as refused:
            case_services.case_open(
                actor=investigator,
                unit=investigator.unit,
                title="Synthetic",
                lead=investigator,
                template_id=template_id,
            )
        assert refused.value.errors[0].field == "template"
    assert Case.objects.count() == before


def test_the_open_case_page_offers_active_templates_and_opens_with_one(
    template, administrator, investigator, client_for
):
    make_template(admin=administrator, name="Retired template", active=False)
    client = client_for(investigator)
    page = client.get("/cases/new/").content.decode()
    assert template.name in page
    assert "Retired template" not in page
    response = client.post(
        "/cases/new/",
        {"title": "Synthetic opened", "priority": "P3", "lead": investigator.pk,
         "template": template.pk},
    )  # fmt: skip
    assert response.status_code == 302
    case = Case.objects.get(title="Synthetic opened")
    assert case.template_use.version == template.current_version


def test_the_api_opens_a_case_with_a_template_and_refuses_an_unknown_one(
    template, investigator, api_for
):
    api = api_for(investigator)
    created = api.post(
        "/api/v1/cases/", {"title": "Synthetic API case", "template": template.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    case = Case.objects.get(number=created.json()["number"])
    assert ChecklistItem.objects.filter(case=case).count() == 4
    refused = api.post(
        "/api/v1/cases/", {"title": "Synthetic API case 2", "template": 999_999}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "template"
    assert not Case.objects.filter(title="Synthetic API case 2").exists()

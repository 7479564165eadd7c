"""Administrators keep case templates; each change of content is a new version."""

from __future__ import annotations

import pytest

from casework.audit.models import AuditEvent
from casework.case_templates import services
from casework.case_templates.models import CaseTemplate, CaseTemplateVersion
from casework.case_templates.services import ChecklistSpec, TaskSpec
from casework.core.errors import DomainError
from casework.deadlines.choices import DeadlineKind
from casework.deadlines.rules import rule_for
from tests.case_templates.factories import make_template

pytestmark = pytest.mark.django_db


def _save(admin, template, **changes):
    version = template.current_version
    content = {
        "name": template.name,
        "incident_type": template.incident_type,
        "active": template.active,
        "tasks": [TaskSpec(t.title, t.due_days) for t in version.tasks.all()],
        "clocks": [c.rule for c in version.clocks.all()],
        "checklist": [
            ChecklistSpec(i.statement, i.evidence, i.due_days)
            for i in version.checklist_items.all()
        ],
    }
    content.update(changes)
    return services.case_template_save(actor=admin, template=template, **content)


def test_it_writes_version_one_with_its_content_and_audits_it(template, administrator):
    version = template.current_version
    assert version.number == 1
    assert [t.title for t in version.tasks.all()] == [
        "Send a preservation request",
        "Check identifiers",
    ]
    assert version.clocks.count() == 2
    assert version.checklist_items.count() == 4
    assert AuditEvent.objects.filter(
        action="case_template.create", object_id=str(template.pk), actor=administrator
    ).exists()


def test_it_writes_a_new_version_only_when_the_content_changes(template, administrator):
    _save(administrator, template)
    assert CaseTemplateVersion.objects.filter(template=template).count() == 1
    _save(administrator, template, tasks=[TaskSpec("Only task", 3)])
    template.refresh_from_db()
    assert template.current_version.number == 2
    assert [t.title for t in template.current_version.tasks.all()] == ["Only task"]
    # Version 1 is kept as it was.
    first = template.versions.get(number=1)
    assert first.tasks.count() == 2


def test_it_refuses_anyone_but_an_administrator(investigator, supervisor):
    for person in (investigator, supervisor):
        with pytest.raises(DomainError) as refused:
            make_template(admin=person)
        assert refused.value.status == 403
    assert not CaseTemplate.objects.exists()


def test_it_refuses_a_second_active_template_for_one_incident_type(
    template, administrator, enticement
):
    with pytest.raises(DomainError) as refused:
        make_template(admin=administrator, name="Another", incident_type=enticement)
    assert refused.value.errors[0].field == "incident_type"
    assert template.name in refused.value.text
    # Retired, it may share the type.
    make_template(admin=administrator, name="Another", incident_type=enticement, active=False)


def test_it_refuses_a_clock_without_a_duration_and_unknown_evidence(administrator):
    court = rule_for(kind=DeadlineKind.COURT_DATE)
    with pytest.raises(DomainError) as refused:
        make_template(
            admin=administrator,
            clocks=[court],
            checklist=[ChecklistSpec("Something", "request:unknown")],
        )
    fields = {error.field for error in refused.value.errors}
    assert fields == {"clocks", "checklist"}
    assert "Item 1" in refused.value.text
    assert not CaseTemplate.objects.exists()


def test_it_refuses_a_name_in_use_whatever_its_case(template, administrator):
    with pytest.raises(DomainError) as refused:
        make_template(admin=administrator, name=template.name.upper())
    assert refused.value.errors[0].field == "name"

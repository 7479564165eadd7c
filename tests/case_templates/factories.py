"""Case templates made through the services, as an administrator makes them."""

from __future__ import annotations

from casework.case_templates import services
from casework.case_templates.services import ChecklistSpec, TaskSpec
from casework.deadlines.choices import DeadlineKind
from casework.deadlines.rules import rule_for


def template_rules(*kinds: str):
    return [rule_for(kind=kind) for kind in kinds]


def make_template(
    *,
    admin,
    name: str = "Synthetic template",
    incident_type=None,
    tasks=None,
    clocks=None,
    checklist=None,
    active: bool = True,
):
    return services.case_template_save(
        actor=admin,
        name=name,
        incident_type=incident_type,
        active=active,
        tasks=tasks
        if tasks is not None
        else [TaskSpec("Send a preservation request", 1), TaskSpec("Check identifiers")],
        clocks=clocks
        if clocks is not None
        else template_rules(DeadlineKind.SAFEGUARDING_REVIEW, DeadlineKind.ICSE_SUBMISSION),
        checklist=checklist
        if checklist is not None
        else [
            ChecklistSpec("The provider's data is preserved", "request:preservation", 2),
            ChecklistSpec("The safeguarding review is held", "deadline:safeguarding_review"),
            ChecklistSpec("Exhibits are recorded in custody", "custody:seized", 30),
            ChecklistSpec("The source is told the case number"),
        ],
    )

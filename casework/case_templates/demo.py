"""Two neutral demo case templates (idempotent): one applied to referrals of the online
enticement type as they are accepted, one chosen by hand when opening a case."""

from __future__ import annotations

from casework.accounts.models import User
from casework.deadlines.choices import DeadlineKind
from casework.deadlines.rules import rule_for
from casework.referrals.models import IncidentType

from . import services
from .models import CaseTemplate
from .services import ChecklistSpec, TaskSpec

TEMPLATES = (
    {
        "name": "Online enticement: first steps",
        "incident_type": "online-enticement",
        "tasks": [
            TaskSpec("Send a preservation request to the provider", 1),
            TaskSpec("Request subscriber information for the reported account", 7),
            TaskSpec("Check the reported identifiers against other cases", 2),
            TaskSpec("Agree a safeguarding plan with the local authority", 3),
            TaskSpec("Review the case with a supervisor", 28),
        ],
        "clocks": [DeadlineKind.SAFEGUARDING_REVIEW, DeadlineKind.ICSE_SUBMISSION],
        "checklist": [
            ChecklistSpec("The provider's data is preserved", "request:preservation", 2),
            ChecklistSpec("Subscriber information is requested", "request:production", 14),
            ChecklistSpec("Seized exhibits are recorded in custody", "custody:seized", 30),
            ChecklistSpec(
                "Seized material is submitted to the national database and ICSE",
                "custody:submitted",
                60,
            ),
            ChecklistSpec("The safeguarding review is held", "deadline:safeguarding_review"),
            ChecklistSpec("The referring source is told the case number", "", 7),
        ],
    },
    {
        "name": "Hotline report: first steps",
        "incident_type": "",
        "tasks": [
            TaskSpec("Confirm the report's reference with the hotline", 1),
            TaskSpec("Send a takedown notice if the content is still online", 1),
        ],
        "clocks": [],
        "checklist": [
            ChecklistSpec("A takedown notice is sent", "request:takedown", 2),
            ChecklistSpec("The hotline is told the outcome", "", 30),
        ],
    },
)


def seed(*, stdout) -> None:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        stdout.write("case_templates: demo administrator missing, skipped")
        return
    made = 0
    for spec in TEMPLATES:
        if CaseTemplate.objects.filter(name=spec["name"]).exists():
            continue
        incident_type = (
            IncidentType.objects.filter(code=spec["incident_type"]).first()
            if spec["incident_type"]
            else None
        )
        clocks = [rule for kind in spec["clocks"] if (rule := rule_for(kind=kind)) is not None]
        services.case_template_save(
            actor=admin,
            name=spec["name"],
            incident_type=incident_type,
            tasks=spec["tasks"],
            clocks=[rule for rule in clocks if not rule.needs_due_at],
            checklist=spec["checklist"],
            note="Demo template.",
        )
        made += 1
    stdout.write(f"case_templates: {made} demo templates added")

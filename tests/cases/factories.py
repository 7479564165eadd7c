"""Cases made through the services, so access grants and numbering hold as in production."""

from __future__ import annotations

from casework.cases import services
from casework.cases.models import Case


def make_case(*, lead, assignees=(), title: str = "Synthetic case", priority: str = "P3") -> Case:
    case = services.case_open(actor=lead, unit=lead.unit, title=title, lead=lead, priority=priority)
    for user in assignees:
        services.case_assign(actor=lead, case=case, user=user)
    return case

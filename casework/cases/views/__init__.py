"""Case pages. Thin: they read through ``selectors`` (which decide access and audit views) and
write through ``services``; a case one may not see is the ordinary 404 page.

By page: the lists and opening a case (``lists``), the overview and its forms (``overview``),
the tabs (``tabs``), the chronology (``chronology``).
"""

from __future__ import annotations

from .chronology import case_chronology, case_chronology_export
from .lists import case_list, case_open, closure_queue, my_cases, unit_cases
from .overview import (
    case_assign,
    case_close_decide,
    case_close_request,
    case_detail,
    case_edit,
    case_lead,
    case_priority,
    case_status,
    case_unassign,
)
from .tabs import (
    case_deconflict,
    case_identifiers,
    case_notes,
    case_subjects,
    case_task_toggle,
    case_tasks,
    case_victims,
    victim_update,
)

__all__ = [
    "case_assign",
    "case_chronology",
    "case_chronology_export",
    "case_close_decide",
    "case_close_request",
    "case_deconflict",
    "case_detail",
    "case_edit",
    "case_identifiers",
    "case_lead",
    "case_list",
    "case_notes",
    "case_open",
    "case_priority",
    "case_status",
    "case_subjects",
    "case_task_toggle",
    "case_tasks",
    "case_unassign",
    "case_victims",
    "closure_queue",
    "my_cases",
    "unit_cases",
    "victim_update",
]

"""State changes of cases and of everything under a case. Each function is one transaction and
writes its audit event; views, API, commands and other apps call these, never ``save()``."""

from __future__ import annotations

from ..deconfliction import DeconflictionMatch, identifier_deconflict, identifiers_deconflict_bulk
from .cases import (
    case_assign,
    case_change_lead,
    case_change_priority,
    case_change_status,
    case_close_approve,
    case_close_reject,
    case_close_request,
    case_open,
    case_unassign,
    case_update,
)
from .disposal import case_dispose_personal_data
from .identifiers import case_identifier_add
from .merge import case_merge
from .records import (
    case_note_add,
    case_subject_add,
    case_task_add,
    case_task_complete,
    case_task_reopen,
    case_tasks_add_bulk,
    victim_record_update,
    victim_safeguarding_add,
)
from .transfer import case_transfer_accept, case_transfer_decline, case_transfer_propose

__all__ = [
    "DeconflictionMatch",
    "case_assign",
    "case_change_lead",
    "case_change_priority",
    "case_change_status",
    "case_close_approve",
    "case_close_reject",
    "case_close_request",
    "case_dispose_personal_data",
    "case_identifier_add",
    "case_merge",
    "case_note_add",
    "case_open",
    "case_subject_add",
    "case_task_add",
    "case_task_complete",
    "case_task_reopen",
    "case_tasks_add_bulk",
    "case_transfer_accept",
    "case_transfer_decline",
    "case_transfer_propose",
    "case_unassign",
    "case_update",
    "identifier_deconflict",
    "identifiers_deconflict_bulk",
    "victim_record_update",
    "victim_safeguarding_add",
]

"""Need-to-know for cases, decided here and only here: who may see which case
(``access``), the case lists (``lists``), one case and what hangs off it (``records``), and the
case page's header with the sections other apps contribute (``page``).

Threat and rules: see ``access``. Everything is re-exported here, so callers import
``from casework.cases.selectors import case_get_for`` whatever module holds it.
"""

from __future__ import annotations

from .access import (
    VIEW_PERMISSION,
    can_manage_case,
    can_see_victims,
    case_get_for,
    case_is_visible,
    case_visibility_q,
    cases_visible_to,
    is_case_member,
    is_unit_supervisor,
    users_who_can_see_case,
    victim_visibility_q,
    view_details,
    visible_case_ids,
    visible_case_ids_as_set,
)
from .lists import (
    PAGE_SIZE,
    CaseFilters,
    CasePage,
    case_list,
    case_queryset,
    case_search_q,
    closure_queue_for,
    decode_cursor,
    encode_cursor,
    pending_closure,
)
from .page import (
    CaseFact,
    CaseHeader,
    CaseSection,
    case_header,
    case_referrals,
    case_template_choices,
)
from .records import (
    case_assignees,
    case_identifiers_for,
    case_note_get_for,
    case_notes_for,
    case_open_tasks,
    case_people,
    case_subject_get_for,
    case_subjects_for,
    case_task_get_for,
    case_tasks_for,
    case_view,
    unit_investigators,
    victim_record_get_for,
    victim_records_view,
)

__all__ = [
    "PAGE_SIZE",
    "VIEW_PERMISSION",
    "CaseFact",
    "CaseFilters",
    "CaseHeader",
    "CasePage",
    "CaseSection",
    "can_manage_case",
    "can_see_victims",
    "case_assignees",
    "case_get_for",
    "case_header",
    "case_identifiers_for",
    "case_is_visible",
    "case_list",
    "case_note_get_for",
    "case_notes_for",
    "case_open_tasks",
    "case_people",
    "case_queryset",
    "case_referrals",
    "case_search_q",
    "case_subject_get_for",
    "case_subjects_for",
    "case_task_get_for",
    "case_tasks_for",
    "case_template_choices",
    "case_view",
    "case_visibility_q",
    "cases_visible_to",
    "closure_queue_for",
    "decode_cursor",
    "encode_cursor",
    "is_case_member",
    "is_unit_supervisor",
    "pending_closure",
    "unit_investigators",
    "users_who_can_see_case",
    "victim_record_get_for",
    "victim_records_view",
    "victim_visibility_q",
    "view_details",
    "visible_case_ids",
    "visible_case_ids_as_set",
]

"""API for cases under ``/api/v1/cases/``: thin views over the selectors and services.

A case is named by its number. A case the caller may not see answers 404, and so does
everything under it; lists never include it. Errors are problem details (``DomainError`` and
``NotFound`` are converted by ``casework.core.api``). Lists use keyset (cursor) pagination.

By concern: the case itself and its closure (``cases``), what hangs off it (``records``), its
chronology (``chronology``); the serializers in ``serializers``.
"""

from __future__ import annotations

from .cases import (
    CaseApproveView,
    CaseCloseRequestView,
    CaseClosureChecklistView,
    CaseDetailView,
    CaseFilter,
    CaseListView,
    CaseRejectView,
    CaseTransitionView,
)
from .chronology import CaseChronologyView, ChronologyFilter
from .records import (
    CaseIdentifiersView,
    CaseNotesView,
    CaseSubjectsView,
    CaseTasksView,
    CaseTaskView,
    CaseVictimsView,
    CaseVictimView,
    DeconflictView,
)

__all__ = [
    "CaseApproveView",
    "CaseChronologyView",
    "CaseCloseRequestView",
    "CaseClosureChecklistView",
    "CaseDetailView",
    "CaseFilter",
    "CaseIdentifiersView",
    "CaseListView",
    "CaseNotesView",
    "CaseRejectView",
    "CaseSubjectsView",
    "CaseTaskView",
    "CaseTasksView",
    "CaseTransitionView",
    "CaseVictimView",
    "CaseVictimsView",
    "ChronologyFilter",
    "DeconflictView",
]

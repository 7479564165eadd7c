"""Models of the cases app, by concern: the case and its team (``cases``), what it holds
(``records``). Imported here so Django registers them and ``casework.cases.models`` names them."""

from __future__ import annotations

from .cases import (
    Case,
    CaseAssignment,
    CaseClosureRequest,
    CaseGroupObjectPermission,
    CaseNumberSequence,
    CaseTransfer,
    CaseUserObjectPermission,
)
from .records import (
    CaseIdentifier,
    CaseNote,
    CaseSubject,
    CaseTask,
    SafeguardingAction,
    VictimRecord,
    pseudonym_for,
)

__all__ = [
    "Case",
    "CaseAssignment",
    "CaseClosureRequest",
    "CaseGroupObjectPermission",
    "CaseIdentifier",
    "CaseNote",
    "CaseNumberSequence",
    "CaseSubject",
    "CaseTask",
    "CaseTransfer",
    "CaseUserObjectPermission",
    "SafeguardingAction",
    "VictimRecord",
    "pseudonym_for",
]

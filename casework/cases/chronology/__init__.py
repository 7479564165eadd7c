"""The case chronology: the audit ledger of one case, read aloud.

Why from the ledger: it is append-only and hash-chained, so the chronology cannot say anything
the trail does not (a case's history is not a second table that could drift from the truth).

What is left out, and why:
- the database's row captures (``source = database``): every service action is also captured
  row by row, so reading both would tell each action twice or more; the service event is the
  one written in the investigator's terms;
- page views, searches and deconfliction look-ups (``NOISE``): reading is not an action on the
  case, and one visit to the case page would bury the day's work. Views of victim records stay:
  break-the-glass access is exactly what a chronology must show.
- sign-ins, heartbeats and scheduler runs never carry a case id, so they never reach here.

Threat: the ledger holds values the reader may not be entitled to. Victim records are a
compartment inside the case: a reader who may not open them sees "victim record viewed" and
nothing of the record, the change or the stated reason. Auditors see field names, never
values (as in the audit workspace). Record labels (an agency's name, an exhibit number) are
looked up per page, one query per kind of record, through the model registry: the audit app is
generic over record types, and the chronology stays as generic as the ledger it reads.

In this package: the kinds of action and the shape of a row (``kinds``), which events and in
which order (``reading``), the events in words (``words``), and the exports (``export``).
"""

from __future__ import annotations

from .export import (
    EXPORT_HEADER,
    EXPORT_LIMIT,
    chronology_export,
    chronology_export_rows,
    export_row,
    render_pdf,
)
from .kinds import (
    KIND_LABELS,
    KINDS,
    NOISE,
    ChronologyPage,
    Entry,
    kind_of,
    sees_event_ids,
    viewer_zone,
)
from .reading import (
    PAGE_SIZE,
    case_event_scope,
    chronology_case,
    chronology_events,
    chronology_page,
    chronology_rule,
)
from .words import describe

__all__ = [
    "EXPORT_HEADER",
    "EXPORT_LIMIT",
    "KINDS",
    "KIND_LABELS",
    "NOISE",
    "PAGE_SIZE",
    "ChronologyPage",
    "Entry",
    "case_event_scope",
    "chronology_case",
    "chronology_events",
    "chronology_export",
    "chronology_export_rows",
    "chronology_page",
    "chronology_rule",
    "describe",
    "export_row",
    "kind_of",
    "render_pdf",
    "sees_event_ids",
    "viewer_zone",
]

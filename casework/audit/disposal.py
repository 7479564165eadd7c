"""Blanking a disposed record's free text with one audit event (retention), for the owning apps.

``casework.core.disposal`` blanks; this module, in the ledger that ``core`` may not import, adds
the audit event each app's disposal service writes with it: the counts of what went, never the
values.
"""

from __future__ import annotations

from django.db.models import QuerySet

from casework.core.disposal import blank_text

from .services import audit_record


def blank_text_audited(
    *, actor, action: str, record, case_id: int | None, rows: dict[str, tuple[QuerySet, list[str]]]
) -> dict[str, int]:
    """``blank_text`` over each ``rows`` entry (label: queryset and fields), then one audit
    event ``action`` on ``record`` with the counts, never the values; the counts."""
    removed = {label: blank_text(queryset, fields) for label, (queryset, fields) in rows.items()}
    audit_record(
        actor=actor, action=action, target=record, case_id=case_id, details={"removed": removed}
    )
    return removed

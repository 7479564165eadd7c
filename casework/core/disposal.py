"""Blanking free text when a record is disposed of (retention), shared by the owning apps.

Each app's disposal service lists its own text fields and calls ``blank_text``; the rows stay
(oversight counts them, foreign keys point at them) and only what may name a person goes.
A field that must not be empty (a declined referral's reason, a waived clock's reason) gets
``REMOVED`` instead of nothing, so the database's own rules still hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

REMOVED = "Removed at disposal"


def blank_text(queryset: QuerySet, fields: Iterable[str]) -> int:
    """Replace every non-empty value of ``fields`` with ``REMOVED``; how many values went.

    One UPDATE per field, set-based: a case with thousands of notes or deadlines is one
    statement each, not a loop over rows."""
    changed = 0
    for name in fields:
        changed += (
            queryset.exclude(**{name: ""}).exclude(**{name: REMOVED}).update(**{name: REMOVED})
        )
    return changed


def blank_text_audited(
    *, actor, action: str, record, case_id: int | None, rows: dict[str, tuple[QuerySet, list[str]]]
) -> dict[str, int]:
    """``blank_text`` over each ``rows`` entry (label: queryset and fields), then one audit
    event ``action`` on ``record`` with the counts, never the values; the counts."""
    from casework.audit.services import audit_record

    removed = {label: blank_text(queryset, fields) for label, (queryset, fields) in rows.items()}
    audit_record(
        actor=actor, action=action, target=record, case_id=case_id, details={"removed": removed}
    )
    return removed

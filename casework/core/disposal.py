"""Blanking free text when a record is disposed of (retention), shared by the owning apps.

Each app's disposal service lists its own text fields and calls ``blank_text`` (or
``casework.audit.disposal.blank_text_audited``, which audits what went); the rows stay
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

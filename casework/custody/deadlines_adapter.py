"""The one place custody talks to the deadlines app (custody -> deadlines, never the reverse).

Seizing an item starts the clock for submitting it to the national database / ICSE; recording
the submission meets it. The deadlines app owns the rule (how long the clock runs); custody only
names the kind and the source. If the deadlines services are not installed, custody still works
and records nothing there.
"""

from __future__ import annotations

from importlib import import_module

ICSE_DEADLINE_KIND = "icse_submission"
SOURCE_TYPE = "custody.evidenceitem"


def _deadline_services():
    try:
        module = import_module("casework.deadlines.services")
    except ImportError:
        return None
    if not hasattr(module, "deadline_start_automatic") or not hasattr(module, "deadlines_meet"):
        return None
    return module


def icse_clock_start(*, actor, item):
    """Start (or adopt an open) ICSE submission clock; returns what happened, or None."""
    services = _deadline_services()
    if services is None:
        return None
    return services.deadline_start_automatic(
        actor=actor,
        kind=ICSE_DEADLINE_KIND,
        case=item.case,
        source_type=SOURCE_TYPE,
        source_id=str(item.pk),
        starts_at=item.seized_at,
        owner=item.case.lead,
        note=f"Submit exhibit {item.exhibit_number} to the national database / ICSE.",
    )


def icse_clock_meet(*, actor, item) -> None:
    services = _deadline_services()
    if services is None:
        return
    services.deadlines_meet(
        actor=actor,
        source_type=SOURCE_TYPE,
        source_id=str(item.pk),
        kinds=[ICSE_DEADLINE_KIND],
    )

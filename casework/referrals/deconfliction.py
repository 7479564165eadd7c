"""Adapter to the cases app's deconfliction services.

Deconfliction belongs to cases (``casework.cases.services``); referrals only ask it. The lookup is
resolved at call time so that referrals keep working while the cases side is deployed in a
different order (an installation without it simply reports no matches).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


def _service(name: str):
    for module in ("casework.cases.services", "casework.cases.deconfliction"):
        try:
            found = getattr(import_module(module), name, None)
        except ImportError:  # pragma: no cover - the cases app is always installed
            found = None
        if found is not None:
            return found
    return None


def deconflict_one(*, actor, kind: str, normal: str, context_label: str) -> list[Any]:
    """Matches in every case for one normalised identifier (audited and notified by cases)."""
    service = _service("identifier_deconflict")
    if service is None:
        return []
    return list(service(actor=actor, kind=kind, normal_value=normal, context_label=context_label))


def deconflict_many(
    *, actor, pairs: list[tuple[str, str]], context_label: str
) -> dict[tuple[str, str], list[Any]]:
    """Matches for many pairs at once (bulk import): one lookup per batch, not per row."""
    service = _service("identifiers_deconflict_bulk")
    if service is None or not pairs:
        return {}
    try:
        return dict(service(actor=actor, pairs=pairs, context_label=context_label))
    except TypeError:
        return dict(service(actor=actor, pairs=pairs))


def copy_identifier_to_case(*, actor, case, identifier) -> bool:
    """Add a referral's identifier to a case; False if the case already holds it."""
    from casework.core.errors import ConflictError

    service = _service("case_identifier_add")
    if service is None:
        return False
    try:
        service(
            actor=actor,
            case=case,
            kind=identifier.kind,
            raw=identifier.raw,
            service=identifier.service,
            device_kind=identifier.device_kind,
            ip_event=identifier.ip_event,
            observed_at=identifier.observed_at,
            port=identifier.port,
            source_referral_id=identifier.referral_id,
        )
    except ConflictError:
        return False
    return True

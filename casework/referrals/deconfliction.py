"""What referrals ask of the cases app's deconfliction (``casework.cases.deconfliction``).

Deconfliction belongs to cases; referrals sit above cases in the app layers
(``docs/architecture.md``) and call its services directly.
"""

from __future__ import annotations

from typing import Any

from casework.cases.services import (
    case_identifier_add,
    identifier_deconflict,
    identifiers_deconflict_bulk,
)
from casework.core.errors import ConflictError


def deconflict_one(*, actor, kind: str, normal: str, context_label: str) -> list[Any]:
    """Matches in every case for one normalised identifier (audited and notified by cases)."""
    return list(
        identifier_deconflict(
            actor=actor, kind=kind, normal_value=normal, context_label=context_label
        )
    )


def deconflict_many(
    *, actor, pairs: list[tuple[str, str]], context_label: str
) -> dict[tuple[str, str], list[Any]]:
    """Matches for many pairs at once (bulk import): one lookup per batch, not per row."""
    if not pairs:
        return {}
    return dict(identifiers_deconflict_bulk(actor=actor, pairs=pairs, context_label=context_label))


def copy_identifier_to_case(*, actor, case, identifier) -> bool:
    """Add a referral's identifier to a case; False if the case already holds it."""
    try:
        case_identifier_add(
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

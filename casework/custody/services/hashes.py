"""Hash values the evidence store computed: checked on entry, recorded once, never edited."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone

from casework.accounts.models import User
from casework.audit.services import audit_record
from casework.core.errors import DomainError

from ..choices import HEX_LENGTH, HashAlgorithm, ItemState
from ..models import EvidenceHash, EvidenceItem
from .access import require_case_worker


def normalise_hash(*, algorithm: str, value: str, field_prefix: str = "") -> tuple[str, str]:
    """Check a hash value for algorithm, hex and length; return (algorithm, lower-case hex)."""
    algorithm = (algorithm or "").strip().lower().replace("-", "")
    if algorithm not in HashAlgorithm.values:
        raise DomainError(
            f"Unknown hash algorithm {algorithm or '(none)'!r}: use one of "
            f"{', '.join(HashAlgorithm.labels)}.",
            field=f"{field_prefix}algorithm",
        )
    value = (value or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", value):
        raise DomainError(
            "A hash value is hexadecimal digits only (0-9, a-f).", field=f"{field_prefix}value"
        )
    expected = HEX_LENGTH[algorithm]
    if len(value) != expected:
        raise DomainError(
            f"A {HashAlgorithm(algorithm).label} value has {expected} hex digits; "
            f"this one has {len(value)}.",
            field=f"{field_prefix}value",
        )
    return algorithm, value


@transaction.atomic
def hash_record(*, actor: User, item: EvidenceItem, algorithm: str, value: str) -> EvidenceHash:
    """Add a hash value the store computed. One per algorithm; values are never edited."""
    require_case_worker(actor, item.case)
    algorithm, value = normalise_hash(algorithm=algorithm, value=value)
    locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if locked.state == ItemState.DISPOSED:
        raise DomainError(f"Exhibit {item.exhibit_number} was disposed of.", field="algorithm")
    if EvidenceHash.objects.filter(item=item, algorithm=algorithm).exists():
        raise DomainError(
            f"A {HashAlgorithm(algorithm).label} value is already recorded for "
            f"{item.exhibit_number}; recorded hashes are not changed.",
            field="algorithm",
        )
    digest = EvidenceHash.objects.create(
        item=item, algorithm=algorithm, value=value, recorded_by=actor, recorded_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="evidence_hash.create",
        target=item,
        case_id=item.case_id,
        changes={algorithm: [None, value]},
    )
    return digest

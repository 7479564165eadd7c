"""Deconfliction: does any other case, anywhere, already hold this identifier?

Threat and purpose: two units working the same account without knowing it waste effort and can
compromise each other's operations; yet telling one unit the content of another's case breaks
need-to-know. So the lookup runs across *every* case, including those the actor cannot see, and
for a case the actor cannot see it discloses only that a match exists, the unit, and the lead's
name and contact (e-mail, phone) — never the case number, title or content. The matched case's
lead is notified (once per searcher, identifier and context) with the searcher's contact, and
both sides are audited: ``identifier.deconflict`` on the searching side, ``identifier.matched``
on the matched case. Audit events carry the keyed fingerprint of the compared value
(``casework.privacy``), not the value and not a plain SHA-256 (which anyone reverses for every
IPv4 address or phone number in minutes), because auditors see the trail but not case content.

Speed: the lookup is an index-only scan of ``case_identifier_fp_idx`` (kind, fingerprint,
case); the bulk form answers a whole batch of (kind, value) pairs in one query per batch.
Values are compared by fingerprint only: no other case's value is ever decrypted here.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.urls import NoReverseMatch, reverse

from casework.audit.services import audit_record
from casework.core.identifiers import IdentifierKind
from casework.core.notifications import notify
from casework.privacy.crypto import fingerprint, fingerprint_hex

from .models import Case, CaseIdentifier
from .selectors import cases_visible_to

BULK_BATCH_SIZE = 5000
_FINGERPRINT_ANY = (
    f"{connection.ops.quote_name(CaseIdentifier._meta.db_table)}."
    f"{connection.ops.quote_name(CaseIdentifier._meta.get_field('fingerprint').column)}"
    " = ANY(%s::bytea[])"
)


@dataclass(frozen=True)
class DeconflictionMatch:
    """One other case that holds the identifier, as much as the actor may know of it.

    ``visible`` is False for a case the actor may not see: then ``case_number`` and
    ``case_title`` are None and only the unit and the lead's contact are given.
    """

    kind: str
    normal_value: str
    visible: bool
    unit_code: str
    unit_name: str
    lead_name: str
    lead_email: str
    lead_phone: str
    case_number: str | None = None
    case_title: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def kind_label(self) -> str:
        return IdentifierKind(self.kind).label if self.kind in IdentifierKind.values else self.kind


def value_digest(kind: str, normal_value: str) -> str:
    """What the audit trail keeps of a compared value: its keyed fingerprint, enough to prove
    which value (for whoever holds the fingerprint key), not to read or guess it."""
    return fingerprint_hex(kind, normal_value)


def _person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _case_link(case: Case) -> str:
    try:
        return reverse("cases:detail", args=[case.number])
    except NoReverseMatch:
        return ""


def _match_for(
    identifier: CaseIdentifier, normal_value: str, *, visible: bool
) -> DeconflictionMatch:
    case = identifier.case
    return DeconflictionMatch(
        kind=identifier.kind,
        normal_value=normal_value,
        visible=visible,
        unit_code=case.unit.code,
        unit_name=case.unit.name,
        lead_name=_person_name(case.lead),
        lead_email=case.lead.email,
        lead_phone=case.lead.phone,
        case_number=case.number if visible else None,
        case_title=case.title if visible else None,
    )


def _tell_matched_side(
    *, actor, identifier: CaseIdentifier, kinds: Iterable[str], context_label: str
) -> None:
    """Audit on the matched case and notify its lead (not when the lead is the searcher)."""
    case = identifier.case
    kinds = sorted(set(kinds))
    audit_record(
        actor=actor,
        action="identifier.matched",
        target=identifier,
        case_id=case.pk,
        details={
            "searched_by": actor.get_username(),
            "searching_unit": getattr(actor.unit, "code", ""),
            "kinds": kinds,
            "value_fingerprint": bytes(identifier.fingerprint).hex(),
            "context": context_label,
        },
    )
    if case.lead_id == actor.pk:
        return
    labels = ", ".join(IdentifierKind(k).label.lower() for k in kinds if k in IdentifierKind.values)
    unit = actor.unit.name if getattr(actor, "unit", None) else "no unit"
    contact = " / ".join(x for x in (actor.email, actor.phone) if x) or "no contact details"
    key = (
        "deconfliction:"
        + hashlib.sha256(
            f"{case.pk}:{actor.pk}:{bytes(identifier.fingerprint).hex()}:{context_label}".encode()
        ).hexdigest()
    )
    notify(
        recipients=[case.lead],
        kind="deconfliction.match",
        subject=f"Deconfliction: an identifier on {case.number} is also held elsewhere",
        body=(
            f"{_person_name(actor)} ({unit}) is working an identifier ({labels}) that "
            f"{case.number} also holds. Contact: {contact}. Neither side is shown the other's "
            "case; agree between you how to proceed."
        ),
        link=_case_link(case),
        dedupe_key=key[:200],
    )


@transaction.atomic
def identifier_deconflict(
    *,
    actor,
    kind: str,
    normal_value: str,
    exclude_case: Case | None = None,
    context_label: str = "",
) -> list[DeconflictionMatch]:
    """Look ``(kind, normal_value)`` up across every case; tell and audit both sides.

    ``normal_value`` must already be normalised (``normalise_identifier``). ``exclude_case`` is
    the case the identifier is being added to; ``context_label`` says where the search comes
    from ("referral 42", "case NORTH-2026-000001") and appears in the audit trail.
    """
    rows = CaseIdentifier.objects.filter(
        kind=kind, fingerprint=fingerprint(kind, normal_value)
    ).select_related("case__unit", "case__lead")
    if exclude_case is not None:
        rows = rows.exclude(case_id=exclude_case.pk)
    rows = list(rows.order_by("case_id"))
    visible_ids = _visible_case_ids(actor, {row.case_id for row in rows})
    matches = [_match_for(row, normal_value, visible=row.case_id in visible_ids) for row in rows]
    audit_record(
        actor=actor,
        action="identifier.deconflict",
        object_type="cases.caseidentifier",
        case_id=exclude_case.pk if exclude_case is not None else None,
        details={
            "kind": kind,
            "value_fingerprint": value_digest(kind, normal_value),
            "context": context_label,
            "matches": len(matches),
            "hidden_matches": sum(1 for m in matches if not m.visible),
            "matched_units": sorted({m.unit_code for m in matches}),
        },
    )
    for row in rows:
        _tell_matched_side(actor=actor, identifier=row, kinds=[kind], context_label=context_label)
    return matches


def _visible_case_ids(actor, case_ids: set[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(cases_visible_to(actor).filter(pk__in=case_ids).values_list("pk", flat=True))


@transaction.atomic
def identifiers_deconflict_bulk(
    *,
    actor,
    pairs: list[tuple[str, str]],
    context_label: str = "",
    notify_leads: bool = True,
) -> dict[tuple[str, str], list[DeconflictionMatch]]:
    """Deconflict many normalised (kind, value) pairs with one lookup query per batch.

    Returns only the pairs that matched (use ``.get(pair, [])``). For bulk intake: one audit
    event on the searching side for the whole call, and per matched case one
    ``identifier.matched`` event and at most one notice to its lead, so the number of writes
    grows with the matches, not with the input.
    """
    wanted = list(dict.fromkeys((str(k), str(v)) for k, v in pairs))
    results: dict[tuple[str, str], list[DeconflictionMatch]] = defaultdict(list)
    matched_rows: list[tuple[CaseIdentifier, tuple[str, str]]] = []
    for start in range(0, len(wanted), BULK_BATCH_SIZE):
        batch = wanted[start : start + BULK_BATCH_SIZE]
        by_fingerprint = {fingerprint(kind, value): (kind, value) for kind, value in batch}
        # Per kind, so each arm is an index lookup on (kind, fingerprint, case).
        by_kind: dict[str, list[bytes]] = defaultdict(list)
        for value_fp, (kind, _) in by_fingerprint.items():
            by_kind[kind].append(value_fp)
        # One array parameter per kind (``= ANY``), not a placeholder per fingerprint: a
        # query of 5,000 placeholders cost more to build and convert than to run (issue 26).
        condition = Q()
        for kind, fingerprints in by_kind.items():
            condition |= Q(kind=kind) & Q(
                RawSQL(_FINGERPRINT_ANY, [fingerprints], output_field=BooleanField())
            )
        found = (
            CaseIdentifier.objects.filter(condition)
            .select_related("case__unit", "case__lead")
            .order_by("case_id")
        )
        # The fingerprint covers the kind: the searched pair is read back from it.
        matched_rows.extend((row, by_fingerprint[bytes(row.fingerprint)]) for row in found)
    visible_ids = _visible_case_ids(actor, {row.case_id for row, _ in matched_rows})
    per_case: dict[int, list[CaseIdentifier]] = defaultdict(list)
    for row, pair in matched_rows:
        results[pair].append(_match_for(row, pair[1], visible=row.case_id in visible_ids))
        per_case[row.case_id].append(row)
    audit_record(
        actor=actor,
        action="identifier.deconflict",
        object_type="cases.caseidentifier",
        details={
            "bulk": True,
            "context": context_label,
            "searched": len(wanted),
            "matched_values": len(results),
            "matched_cases": len(per_case),
        },
    )
    if notify_leads:
        for rows in per_case.values():
            _tell_matched_side(
                actor=actor,
                identifier=rows[0],
                kinds=[row.kind for row in rows],
                context_label=context_label,
            )
    return dict(results)

"""Reading a case's events from the ledger: which events, in which order, one page at a time."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from casework.accounts.choices import Role
from casework.audit.choices import EventSource
from casework.audit.models import AuditEvent
from casework.audit.selectors import decode_cursor, encode_cursor
from casework.audit.services import audit_record
from casework.core.errors import DomainError, NotFound

from ..models import Case
from ..selectors import case_get_for
from .kinds import KINDS, NOISE, ChronologyPage
from .words import describe

PAGE_SIZE = 50


def chronology_case(*, user, number: str) -> Case:
    """The case whose chronology ``user`` may read, else NotFound (404).

    Everyone who can see the case may; so may an auditor, who reads the whole trail anyway (in
    words here, with values hidden). Opening it is recorded as a view of the case.
    """
    if user.is_authenticated and user.is_active and user.has_role(Role.AUDITOR):
        case = Case.objects.select_related("unit", "lead").filter(number=number).first()
        if case is None:
            raise NotFound(f"No case {number} that you can see.")
    else:
        case = case_get_for(user=user, number=number)
    audit_record(
        actor=user,
        action="case.view",
        target=case,
        case_id=case.pk,
        details={"tab": "chronology"},
    )
    return case


def case_event_scope(case: Case) -> Q:
    """The ledger's events of ``case``: its own, and those of the referrals it came from."""
    referral_ids = [str(pk) for pk in case.referrals.values_list("pk", flat=True)]
    scope = Q(case_id=case.pk)
    if referral_ids:
        scope |= Q(object_type="referrals.referral", object_id__in=referral_ids)
    return scope


def chronology_rule() -> dict:
    """Which of a case's events the chronology tells, as data a verifier can apply."""
    return {"sources": [EventSource.SERVICE.value], "excluded_actions": sorted(NOISE)}


def chronology_events(*, case: Case, kind: str = "", cursor: str = "") -> QuerySet[AuditEvent]:
    """The case's service events, newest first, without noise; keyset-paged on
    (occurred_at, id), the order of the ledger's ``(case_id, occurred_at)`` index.

    Events about the referrals the case came from are included even when written before the
    case existed (intake, triage), so the chronology starts where the work started.
    """
    if kind and kind not in KINDS:
        raise DomainError(f"Choose one of: {', '.join(KINDS)}.", field="kind")
    events = AuditEvent.objects.filter(case_event_scope(case), source=EventSource.SERVICE).exclude(
        action__in=NOISE
    )
    if kind:
        matches = Q()
        for prefix in KINDS[kind]:
            matches |= Q(action__startswith=prefix)
        events = events.filter(matches)
    if cursor:
        moment, pk = decode_cursor(cursor)
        events = events.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk))
    return events.order_by("-occurred_at", "-id")


def chronology_page(
    *, user, case: Case, kind: str = "", cursor: str = "", size: int = PAGE_SIZE
) -> ChronologyPage:
    rows = list(chronology_events(case=case, kind=kind, cursor=cursor)[: size + 1])
    following = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return ChronologyPage(
        entries=describe(user=user, case=case, events=rows[:size]), next_cursor=following
    )

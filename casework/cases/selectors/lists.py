"""The case lists: filters, search and keyset pages over the cases a person may see."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Q, QuerySet

from casework.accounts.choices import Role
from casework.core.trigrams import MIN_LENGTH as TRIGRAM_MIN_LENGTH
from casework.core.trigrams import contains_text_q
from casework.privacy.identifiers import identifier_match_q

from ..choices import CaseStatus, ClosureRequestStatus
from ..models import Case, CaseAssignment, CaseClosureRequest, CaseIdentifier
from .access import case_visibility_q, cases_visible_to

PAGE_SIZE = 50


_NUMBER_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*-\d{4}(-\d{1,6})?$")


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    status: str = ""
    priority: str = ""
    scope: str = ""  # "" = every case I can see, "mine" = lead or assignee, "unit" = my unit
    open_only: bool = False


@dataclass
class CasePage:
    cases: list[Case]
    next_cursor: str | None


def encode_cursor(case: Case) -> str:
    raw = f"{case.opened_at.isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        opened, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        return datetime.fromisoformat(opened), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def _identifier_search_q(text: str) -> Q | None:
    """Cases holding an identifier equal to ``text`` in any kind it can be read as, with or
    without its service (``user_8812`` finds ``example-service:user_8812``); each alternative
    is an index lookup."""
    alternatives = identifier_match_q(text)
    if alternatives is None:
        return None
    return Q(Exists(CaseIdentifier.objects.filter(alternatives, case_id=OuterRef("pk"))))


def case_search_q(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    if _NUMBER_LIKE.match(text):
        return Q(number__startswith=text.upper())
    query = SearchQuery(text, search_type="websearch", config="simple")
    condition = Q(search_vector=query)
    if len(text) >= TRIGRAM_MIN_LENGTH:
        # Any part of the number or title, as the search box finds it (its "more" link
        # leads here).
        condition |= contains_text_q("number", text) | contains_text_q("title", text)
    by_identifier = _identifier_search_q(text)
    if by_identifier is not None:
        condition |= by_identifier
    return condition


def case_list(
    *, user, filters: CaseFilters | None = None, cursor: str = "", limit: int = PAGE_SIZE
) -> CasePage:
    """One keyset page of the cases ``user`` may see, newest first, with filters.

    Keyset rather than OFFSET: page 2,000 of a million-row list costs what page 1 costs."""
    cases = case_queryset(user=user, filters=filters)
    position = decode_cursor(cursor) if cursor else None
    if position is not None:
        opened_at, pk = position
        cases = cases.filter(Q(opened_at__lt=opened_at) | Q(opened_at=opened_at, pk__lt=pk))
    rows = list(cases.order_by("-opened_at", "-id")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return CasePage(cases=rows[:limit], next_cursor=next_cursor)


def case_queryset(*, user, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see, filtered; unordered (callers page it by keyset)."""
    filters = filters or CaseFilters()
    cases = cases_visible_to(user).select_related("unit", "lead")
    if filters.scope == "mine":
        cases = cases.filter(
            Q(lead=user) | Q(pk__in=CaseAssignment.objects.filter(user=user).values("case_id"))
        )
    elif filters.scope == "unit":
        cases = cases.filter(unit_id=user.unit_id) if user.unit_id else cases.none()
    if filters.status:
        cases = cases.filter(status=filters.status)
    elif filters.open_only:
        cases = cases.exclude(status=CaseStatus.CLOSED)
    if filters.priority:
        cases = cases.filter(priority=filters.priority)
    if filters.q:
        cases = cases.filter(case_search_q(filters.q))
    return cases


def closure_queue_for(user) -> QuerySet[CaseClosureRequest]:
    """Closure requests awaiting a decision, for a supervisor of the unit (empty otherwise)."""
    if not user.is_authenticated or not user.has_role(Role.SUPERVISOR) or user.unit_id is None:
        return CaseClosureRequest.objects.none()
    return (
        CaseClosureRequest.objects.filter(
            status=ClosureRequestStatus.PENDING, case__unit_id=user.unit_id
        )
        .filter(case_visibility_q(user, prefix="case__"))
        .select_related("case", "case__lead", "requested_by")
        .order_by("created_at", "id")
    )


def pending_closure(case: Case) -> CaseClosureRequest | None:
    return (
        CaseClosureRequest.objects.filter(case=case, status=ClosureRequestStatus.PENDING)
        .select_related("requested_by")
        .first()
    )

"""Reads of the register, access decided by the set's case.

A hash set is visible exactly when its case is (``case_visibility_q``): a set or sharing of a case
one may not see is absent from lists and answers 404. Opening a set writes a view audit event
(it tells which material of a sensitive case went where).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from casework.audit.services import audit_record
from casework.cases.models import Case
from casework.cases.selectors import CaseFact, CaseSection, case_visibility_q, view_details
from casework.core.errors import DomainError, NotFound

from .choices import SUBMISSION_DESTINATIONS, Destination
from .models import HashSet, HashSetSharing

PAGE_SIZE = 50


class RegisterState:
    """The register's state filter: what still needs doing."""

    NOT_SUBMITTED = "not_submitted"
    AWAITING_ACKNOWLEDGEMENT = "awaiting_acknowledgement"
    CHOICES = (
        ("", "Any"),
        (NOT_SUBMITTED, "Not yet shared with the national database or ICSE"),
        (AWAITING_ACKNOWLEDGEMENT, "A sharing awaits acknowledgement"),
    )


def hash_set_visibility_q(user, prefix: str = "") -> Q:
    return case_visibility_q(user, prefix=f"{prefix}case__")


def hash_sets_visible_to(user) -> QuerySet[HashSet]:
    return HashSet.objects.filter(hash_set_visibility_q(user))


def _submitted_q() -> Exists:
    return Exists(
        HashSetSharing.objects.filter(
            hash_set=OuterRef("pk"), destination__in=list(SUBMISSION_DESTINATIONS)
        )
    )


def _awaiting_q() -> Exists:
    return Exists(
        HashSetSharing.objects.filter(hash_set=OuterRef("pk"), acknowledged_at__isnull=True)
    )


@dataclass(frozen=True)
class RegisterFilters:
    case_number: str = ""
    destination: str = ""
    state: str = ""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_cursor(hash_set: HashSet) -> str:
    """``<microseconds since 1970>~<id>``: digits only, safe in a URL without quoting."""
    return f"{(hash_set.made_at - _EPOCH) // _MICROSECOND}~{hash_set.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (made_at, id) a page continues after; a cursor that means nothing is a 400."""
    moment, _, pk = (cursor or "").partition("~")
    if not (moment.isdigit() and pk.isdigit() and len(moment) <= 17 and len(pk) <= 18):
        raise DomainError("This page link is not valid; start from the first page.", field="after")
    return _EPOCH + int(moment) * _MICROSECOND, int(pk)


def hash_sets_filtered(*, user, filters: RegisterFilters = RegisterFilters()) -> QuerySet[HashSet]:
    """The register's sets the user may see, narrowed by ``filters`` (unordered: a page orders)."""
    sets = hash_sets_visible_to(user).select_related("case", "item")
    if filters.case_number:
        sets = sets.filter(case__number=filters.case_number.strip().upper())
    if filters.destination:
        if filters.destination not in Destination.values:
            raise DomainError("Unknown destination.", field="destination")
        sets = sets.filter(
            Exists(
                HashSetSharing.objects.filter(
                    hash_set=OuterRef("pk"), destination=filters.destination
                )
            )
        )
    if filters.state == RegisterState.NOT_SUBMITTED:
        sets = sets.filter(~_submitted_q())
    elif filters.state == RegisterState.AWAITING_ACKNOWLEDGEMENT:
        sets = sets.filter(_awaiting_q())
    elif filters.state:
        raise DomainError("Unknown state.", field="state")
    return sets


def hash_set_register_page(
    sets: QuerySet[HashSet], *, after: str = "", limit: int = PAGE_SIZE
) -> tuple[list[HashSet], str]:
    """One page of ``sets``, newest first, and the cursor of the next page ("" at the end).

    Keyset pagination on (made_at, id): the hundredth page costs what the first does."""
    if after:
        made_at, pk = decode_cursor(after)
        sets = sets.filter(Q(made_at__lt=made_at) | Q(made_at=made_at, pk__lt=pk))
    page = list(sets.order_by("-made_at", "-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    _add_sharing_counts(page)
    return page, (encode_cursor(page[-1]) if more and page else "")


def hash_set_register(
    *, user, filters: RegisterFilters = RegisterFilters(), after: str = "", limit: int = PAGE_SIZE
) -> tuple[list[HashSet], str]:
    """One page of the register, newest first, and the cursor of the next page ("" at the end)."""
    return hash_set_register_page(
        hash_sets_filtered(user=user, filters=filters), after=after, limit=limit
    )


def _add_sharing_counts(sets: list[HashSet]) -> None:
    """Each set's sharings, unacknowledged ones and whether it was submitted, in one query over
    the page's sets only: counted over every visible set before the LIMIT, the register's first
    page cost as much as the whole register."""
    if not sets:
        return
    counts = {
        row["hash_set"]: row
        for row in HashSetSharing.objects.filter(hash_set__in=[one.pk for one in sets])
        .values("hash_set")
        .annotate(
            sharing_count=Count("pk"),
            unacknowledged=Count("pk", filter=Q(acknowledged_at__isnull=True)),
            submitted_count=Count("pk", filter=Q(destination__in=list(SUBMISSION_DESTINATIONS))),
        )
        .order_by()
    }
    for one in sets:
        row = counts.get(one.pk, {})
        one.sharing_count = row.get("sharing_count", 0)
        one.unacknowledged = row.get("unacknowledged", 0)
        one.submitted = bool(row.get("submitted_count", 0))


def hash_set_get_for(*, user, public_id, audit: bool = True) -> HashSet:
    """One set with its sharings, if ``user`` may see its case; else NotFound."""
    hash_set = (
        hash_sets_visible_to(user)
        .select_related("case", "case__unit", "item", "created_by")
        .prefetch_related(
            Prefetch(
                "sharings",
                queryset=HashSetSharing.objects.select_related(
                    "agency", "shared_by", "acknowledged_recorded_by"
                ).order_by("shared_at", "pk"),
            )
        )
        .filter(public_id=public_id)
        .first()
    )
    if hash_set is None:
        raise NotFound("No such hash set that you can see.")
    if audit:
        audit_record(
            actor=user,
            action="hash_set.view",
            target=hash_set,
            case_id=hash_set.case_id,
            details=view_details(user, hash_set.case),
        )
    return hash_set


def sharing_get_for(*, user, public_id) -> HashSetSharing:
    sharing = (
        HashSetSharing.objects.filter(hash_set_visibility_q(user, prefix="hash_set__"))
        .select_related("hash_set", "hash_set__case", "hash_set__item", "agency")
        .filter(public_id=public_id)
        .first()
    )
    if sharing is None:
        raise NotFound("No such sharing that you can see.")
    return sharing


def hash_sets_of_case(case: Case, *, limit: int) -> list[HashSet]:
    """The case's latest sets with their sharing counts (the caller read ``case`` through the
    case selector for its user)."""
    sets = list(
        HashSet.objects.filter(case=case).select_related("item").order_by("-made_at", "-pk")[:limit]
    )
    _add_sharing_counts(sets)
    return sets


def case_section(*, user, case):
    """The case page's hash sets: the latest few, with what is still owed (a set not yet
    submitted, a sharing not acknowledged) as a header fact."""
    shown = hash_sets_of_case(case, limit=6)
    # Most cases have no set: the latest six are then every set, and there is nothing to count.
    totals = (
        HashSet.objects.filter(case=case).aggregate(
            total=Count("pk", distinct=True),
            unacknowledged=Count(
                "sharings", filter=Q(sharings__acknowledged_at__isnull=True), distinct=True
            ),
        )
        if shown
        else {"total": 0, "unacknowledged": 0}
    )
    facts = []
    if totals["unacknowledged"]:
        facts.append(
            CaseFact(
                label="Hash sets",
                text=f"{totals['unacknowledged']} sharing(s) not acknowledged",
                url="#hash-sets",
                alert=True,
            )
        )
    return CaseSection(
        order=35,
        anchor="hash-sets",
        title="Hash sets shared",
        template="hashsets/_case_section.html",
        context={
            "sets": shown,
            "total": totals["total"],
            "unacknowledged": totals["unacknowledged"],
            "more": totals["total"] - len(shown),
            "register_url": reverse("hashsets:register") + f"?case={case.number}",
            "create_url": reverse("hashsets:create", args=[case.number]),
        },
        facts=facts,
    )

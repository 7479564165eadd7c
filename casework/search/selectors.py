"""One search box over cases, referrals, evidence, partner requests and identifiers.

Threat: a search box is the easiest way to learn that a record exists (a count of "3 cases"
for a name one has no part in tells as much as the cases). So every group reads through the
permission-aware selectors of its app (``cases_visible_to``, ``referrals_visible_to``,
``items_visible_to``, ``requests_visible_to``, and the cases' and referrals' visibility ``Q``
for identifiers): what one may not see is never fetched, so it is neither listed nor counted.
Each search writes one ``search.run`` audit event holding the query, never the results.

Cost is bounded: a fixed number of queries (one per group, plus a capped count when a group
fills its page), each on an index (``casework/core/trigrams.py`` for "any part of", the normal
form indexes for identifiers).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery
from django.db.models import Case as CaseWhen
from django.db.models import Q, QuerySet, Value, When
from django.urls import reverse

from casework.audit.choices import Outcome
from casework.audit.services import audit_record
from casework.cases.models import CaseIdentifier
from casework.cases.selectors import case_visibility_q, cases_visible_to
from casework.core.identifiers import IdentifierKind
from casework.core.trigrams import MIN_LENGTH, contains_text_q
from casework.core.validation import text_problem
from casework.custody.selectors import items_visible_to
from casework.partners.selectors import requests_visible_to
from casework.privacy.crypto import searched_text
from casework.privacy.identifiers import identifier_match_q
from casework.referrals.models import ReferralIdentifier
from casework.referrals.selectors import referral_visibility_q, referrals_visible_to

MAX_QUERY_LENGTH = 200
SHOWN_PER_GROUP = 20
# Counting every match of a short query ("2026") over a national unit would cost what listing
# them costs; past this many a group says "more than 1,000".
COUNT_CAP = 1000
# Identifier matches read by id before need-to-know is checked on them (_referral_identifiers).
MATCHES_READ_FIRST = 5_000
_LETTER_OR_DIGIT = re.compile(r"\w")

KIND_LABELS = dict(IdentifierKind.choices)


def query_problem(text: str) -> str:
    """Why ``text`` cannot be searched for, in words a person can act on, or ``""``."""
    if len(text) > MAX_QUERY_LENGTH:
        return (
            f"Shorten the search to {MAX_QUERY_LENGTH} characters or fewer "
            f"(it has {len(text):,}): a case number, a reference or an identifier is shorter."
        )
    problem = text_problem(text, max_length=MAX_QUERY_LENGTH)
    if problem:
        return problem
    if not _LETTER_OR_DIGIT.search(text):
        return (
            "Type at least one letter or digit: a case number, a title, a reference, an "
            "exhibit number or an identifier."
        )
    return ""


@dataclass
class Hit:
    reference: str  # what people say: a case number, an exhibit number, a reference
    summary: str
    url: str


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    count_is_capped: bool = False  # there are more than ``count``
    more_url: str = ""
    more_label: str = ""


@dataclass
class SearchResults:
    query: str
    groups: list[Group]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def search_run(*, user, query: str, via: str = "web") -> SearchResults:
    """Search everything ``user`` may see for ``query`` (already checked by ``query_problem``),
    and write the ``search.run`` audit event."""
    query = query.strip()
    audit_record(actor=user, action="search.run", details={**searched_text(query), "via": via})
    groups = [
        _cases(user, query),
        _referrals(user, query),
        _evidence(user, query),
        _requests(user, query),
        _case_identifiers(user, query),
        _referral_identifiers(user, query),
    ]
    return SearchResults(query=query, groups=groups)


def search_refused(*, user, query: str, problem: str, via: str = "web") -> None:
    """Audit a search that was refused (too long, unstorable characters), without running it.
    Only the first ``MAX_QUERY_LENGTH`` characters are kept: the trail is not a dump."""
    audit_record(
        actor=user,
        action="search.run",
        outcome=Outcome.REFUSED,
        details={
            **searched_text(query[:MAX_QUERY_LENGTH]),
            "length": len(query),
            "problem": problem,
            "via": via,
        },
    )


# --- the groups ------------------------------------------------------------------------------


def _fill(group: Group, queryset: QuerySet, to_hit) -> Group:
    """The first page of ``queryset`` as hits, and its count (capped), in one query when the
    page is not full and two when it is."""
    rows = list(queryset[: SHOWN_PER_GROUP + 1])
    if len(rows) <= SHOWN_PER_GROUP:
        group.count = len(rows)
    else:
        rows = rows[:SHOWN_PER_GROUP]
        counted = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
        group.count = min(counted, COUNT_CAP)
        group.count_is_capped = counted > COUNT_CAP
    group.hits = [to_hit(row) for row in rows]
    return group


def _reference_q(fields: tuple[str, ...], text: str, *, short_exact: bool = False) -> Q:
    """Any part of one of ``fields`` (the trigram indexes). Shorter text has no index to narrow
    by: it matches exactly where an index leads to the field from the visible records
    (``short_exact``), and nothing elsewhere rather than scanning a national table."""
    condition = Q()
    for name in fields:
        if len(text) >= MIN_LENGTH:
            condition |= contains_text_q(name, text)
        elif short_exact:
            condition |= Q(**{f"{name}__iexact": text})
    return condition if condition else Q(pk__in=[])


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _cases(user, text: str) -> Group:
    group = Group(kind="cases", label="Cases")
    condition = (
        Q(number=text.upper())
        | Q(search_vector=SearchQuery(text, search_type="websearch", config="simple"))
        | _reference_q(("number", "title"), text)
    )
    exact_first = CaseWhen(When(number=text.upper(), then=Value(0)), default=Value(1))
    cases = (
        cases_visible_to(user)
        .filter(condition)
        .annotate(exact=exact_first)
        .order_by("exact", "-opened_at", "-id")
        .only("number", "title", "status")
    )
    group = _fill(
        group,
        cases,
        lambda case: Hit(
            reference=case.number,
            summary=f"{case.title} ({case.get_status_display().lower()})",
            url=reverse("cases:detail", kwargs={"number": case.number}),
        ),
    )
    if group.count_is_capped or group.count > len(group.hits):
        group.more_url = reverse("cases:list") + "?" + urlencode({"q": text})
        group.more_label = "More in the cases list"
    return group


def _referrals(user, text: str) -> Group:
    group = Group(kind="referrals", label="Referrals")
    condition = _reference_q(("source_reference",), text)
    referrals = (
        referrals_visible_to(user)
        .filter(condition)
        .order_by("-received_at", "-id")
        .only("source_reference", "source_agency", "status", "received_at")
    )
    return _fill(
        group,
        referrals,
        lambda referral: Hit(
            reference=referral.source_reference,
            summary=f"From {referral.source_agency}, received "
            f"{referral.received_at:%Y-%m-%d} ({referral.get_status_display().lower()})",
            url=reverse("referrals:detail", kwargs={"pk": referral.pk}),
        ),
    )


def _evidence(user, text: str) -> Group:
    group = Group(kind="evidence", label="Evidence items")
    # (case, exhibit_number) leads from the visible cases to a short exhibit number ("A1").
    condition = _reference_q(("exhibit_number",), text, short_exact=True) | _reference_q(
        ("store_identifier",), text
    )
    as_uuid = _as_uuid(text)
    if as_uuid is not None:
        condition |= Q(public_id=as_uuid)
    items = (
        items_visible_to(user)
        .filter(condition)
        .select_related("case")
        .order_by("case__number", "exhibit_number", "id")
        .only("public_id", "exhibit_number", "store_identifier", "case__number")
    )
    return _fill(
        group,
        items,
        lambda item: Hit(
            reference=item.exhibit_number,
            summary=f"Store id {item.store_identifier}, case {item.case.number}",
            url=reverse("custody:item", kwargs={"public_id": item.public_id}),
        ),
    )


def _requests(user, text: str) -> Group:
    group = Group(kind="partner_requests", label="Partner requests")
    condition = _reference_q(("external_reference",), text)
    as_uuid = _as_uuid(text)
    if as_uuid is not None:
        condition |= Q(pk=as_uuid)
    requests = (
        requests_visible_to(user)
        .filter(condition)
        .select_related("agency", "case", "referral")
        .order_by("-created_at", "-id")
        .only(
            "pk",
            "kind",
            "status",
            "external_reference",
            "agency__name",
            "case__number",
            "referral__source_reference",
        )
    )

    def hit(request) -> Hit:
        on = (
            f"case {request.case.number}"
            if request.case_id
            else f"referral {request.referral.source_reference}"
        )
        return Hit(
            reference=request.external_reference or str(request.pk),
            summary=f"{request.get_kind_display()} to {request.agency.name}, {on} "
            f"({request.get_status_display().lower()})",
            url=reverse("partners:request", kwargs={"pk": request.pk}),
        )

    return _fill(group, requests, hit)


def _matches_first(model, condition: Q) -> Q:
    """The identifiers matching ``condition`` by id (index lookups), so need-to-know is then
    tested on those few rows' records. Asked in one query, PostgreSQL expected a thousand
    matches for a name without its service and read all million referrals to test
    need-to-know (360 ms at national scale), or every case a person may see (12 ms). A value
    held more than ``MATCHES_READ_FIRST`` times is left to that one query."""
    matching = list(
        model.objects.filter(condition)
        .order_by()
        .values_list("pk", flat=True)[: MATCHES_READ_FIRST + 1]
    )
    return Q(pk__in=matching) if len(matching) <= MATCHES_READ_FIRST else condition


def _case_identifiers(user, text: str) -> Group:
    group = Group(kind="case_identifiers", label="Identifiers on cases")
    condition = identifier_match_q(text)
    if condition is None:
        return group
    condition = _matches_first(CaseIdentifier, condition)
    identifiers = (
        CaseIdentifier.objects.filter(case_visibility_q(user, prefix="case__"))
        .filter(condition)
        .select_related("case")
        .order_by("-case__opened_at", "case_id", "kind", "id")
        .only(
            "kind",
            "raw_value_ct",
            "normal_value_ct",
            "fingerprint",
            "service",
            "case_id",
            "case__number",
            "case__title",
        )
    )
    group = _fill(
        group,
        identifiers,
        lambda identifier: Hit(
            reference=identifier.raw_value,
            summary=_identifier_summary(identifier.kind, identifier.service)
            + f" on case {identifier.case.number}, {identifier.case.title}",
            url=reverse("cases:identifiers", kwargs={"number": identifier.case.number}),
        ),
    )
    if group.count_is_capped or group.count > len(group.hits):
        group.more_url = reverse("cases:list") + "?" + urlencode({"q": text})
        group.more_label = "More in the cases list"
    return group


def _referral_identifiers(user, text: str) -> Group:
    group = Group(kind="referral_identifiers", label="Identifiers on referrals")
    condition = identifier_match_q(text)
    if condition is None:
        return group
    condition = _matches_first(ReferralIdentifier, condition)
    identifiers = (
        ReferralIdentifier.objects.filter(referral_visibility_q(user, prefix="referral__"))
        .filter(condition)
        .select_related("referral")
        .order_by("-referral__received_at", "referral_id", "id")
        .only(
            "kind",
            "raw_ct",
            "normal_ct",
            "fingerprint",
            "service",
            "referral_id",
            "referral__source_reference",
            "referral__source_agency",
        )
    )
    return _fill(
        group,
        identifiers,
        lambda identifier: Hit(
            reference=identifier.raw,
            summary=_identifier_summary(identifier.kind, identifier.service)
            + f" on referral {identifier.referral.source_reference}"
            f" from {identifier.referral.source_agency}",
            url=reverse("referrals:detail", kwargs={"pk": identifier.referral_id}),
        ),
    )


def _identifier_summary(kind: str, service: str) -> str:
    label = KIND_LABELS.get(kind, kind)
    return f"{label} ({service})" if service else label

"""Permission-aware reads for partners.

The directory (agencies and contacts) is visible to every signed-in, active user: whom to call
abroad is not case content. Communications and requests are case content: each hangs off a case
or a referral and is seen exactly by those who may see that record (``case_visibility_q`` and
``referral_visibility_q``), so a record one may not see is absent from every list, total and
export, and answers 404.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchQuery
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.urls import reverse
from django.utils import timezone

from casework.audit.services import audit_record
from casework.cases.closure import OpenItem
from casework.cases.selectors import (
    CaseFact,
    CaseSection,
    case_get_for,
    case_referrals,
    case_visibility_q,
)
from casework.core.errors import NotFound
from casework.referrals.selectors import referral_get_for, referral_visibility_q

from .choices import OPEN_STATUSES, RequestKind, RequestStatus
from .models import (
    AGENCY_SEARCH_VECTOR,
    Agency,
    Communication,
    Contact,
    ContactVersion,
    PartnerRequest,
)

DAY = 86400


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


# --- directory ---------------------------------------------------------------------------------


def _tsquery(text: str) -> SearchQuery | None:
    # Each word becomes a prefix term ("exa pol" finds "Example Police Service"); only letters
    # and digits pass, so nothing the reader types can break the tsquery syntax.
    words = [w for w in re.split(r"[^\w]+", text.lower()) if w]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config="simple")


def agencies_search(
    *, user, query: str = "", country: str = "", kind: str = "", icse: bool | None = None
) -> QuerySet[Agency]:
    """The directory, filtered. Full-text on the name (GIN index), exact on country and kind."""
    if not _signed_in(user):
        return Agency.objects.none()
    agencies = Agency.objects.select_related("duty_contact")
    tsquery = _tsquery(query or "")
    if tsquery is not None:
        agencies = agencies.annotate(search=AGENCY_SEARCH_VECTOR).filter(search=tsquery)
    if country:
        agencies = agencies.filter(country=country.strip().upper())
    if kind:
        agencies = agencies.filter(kind=kind)
    if icse is not None:
        agencies = agencies.filter(icse_connected=icse)
    return agencies.order_by("name", "country", "id")


def agency_get(*, user, pk) -> Agency:
    agency = (
        Agency.objects.select_related("duty_contact").filter(pk=pk).first()
        if _signed_in(user)
        else None
    )
    if agency is None:
        raise NotFound("No such agency.")
    return agency


def contacts_of(*, user, agency: Agency, include_inactive: bool = True) -> QuerySet[Contact]:
    if not _signed_in(user):
        return Contact.objects.none()
    contacts = Contact.objects.filter(agency=agency)
    if not include_inactive:
        contacts = contacts.filter(active=True)
    return contacts.order_by("-active", "name", "id")


def contact_get(*, user, pk) -> Contact:
    contact = (
        Contact.objects.select_related("agency").filter(pk=pk).first() if _signed_in(user) else None
    )
    if contact is None:
        raise NotFound("No such contact.")
    return contact


def contact_history(*, user, contact: Contact) -> QuerySet[ContactVersion]:
    if not _signed_in(user):
        return ContactVersion.objects.none()
    return contact.versions.select_related("changed_by").order_by("-version")


# --- work under a case or a referral -----------------------------------------------------------


def under_record_visibility_q(user, *, semi_join: bool = False) -> Q:
    """``Q`` for rows with a ``case`` or ``referral`` foreign key: visible when that record is.
    ``semi_join``: cases are tested by id against the visible ones (see ``case_visibility_q``)."""
    if not _signed_in(user):
        return Q(pk__in=[])
    on_case = Q(case__isnull=False) & case_visibility_q(
        user, prefix="case__", semi_join=semi_join, or_arm=True
    )
    on_referral = Q(referral__isnull=False) & referral_visibility_q(
        user, prefix="referral__", semi_join=semi_join
    )
    return on_case | on_referral


def _on_case_q(case) -> Q:
    """Rows of the case, and of the referrals accepted into it (their partner work comes along).
    The referrals' ids are read first (a case has one or two): with them as a list PostgreSQL
    sees two small index lookups, where a join or a subquery made it walk every request of the
    installation newest first (40–50 ms on national data)."""
    referrals = [referral.pk for referral in case_referrals(case)]
    return Q(case=case) | Q(referral_id__in=referrals) if referrals else Q(case=case)


def communications_visible_to(user) -> QuerySet[Communication]:
    return Communication.objects.filter(under_record_visibility_q(user))


def communications_for(*, user, case=None, referral=None) -> QuerySet[Communication]:
    communications = communications_visible_to(user).select_related(
        "agency", "contact", "recorded_by", "case", "referral", "request"
    )
    if case is not None:
        # A referral accepted into the case brings its partner work along.
        communications = communications.filter(_on_case_q(case))
    if referral is not None:
        communications = communications.filter(referral=referral)
    return communications.order_by("-occurred_at", "-id")


def communication_get_for(*, user, pk) -> Communication:
    communication = (
        communications_visible_to(user)
        .select_related("agency", "contact", "case", "referral", "recorded_by", "request")
        .filter(pk=pk)
        .first()
    )
    if communication is None:
        raise NotFound("No such communication that you can see.")
    return communication


def communications_export(*, user, case=None, referral=None) -> list[Communication]:
    """The communications log of one record for export; the export is audited."""
    rows = list(communications_for(user=user, case=case, referral=referral))
    audit_record(
        actor=user,
        action="communication.export",
        target=case or referral,
        case_id=case.pk if case is not None else getattr(referral, "case_id", None),
        details={"rows": len(rows)},
    )
    return rows


def _on_named_record(rows: QuerySet, *, user, case_number: str, referral_id: int | None):
    """The API lists' ``?case=NUMBER`` and ``?referral=ID``: 404 when that record is not
    visible (the case's own rows and those of the referrals accepted into it)."""
    if case_number:
        case = case_get_for(user=user, number=case_number)
        rows = rows.filter(Q(case=case) | Q(referral__case=case))
    if referral_id is not None:
        rows = rows.filter(referral=referral_get_for(user=user, pk=referral_id))
    return rows


def communications_filtered(
    *, user, case_number: str = "", referral_id: int | None = None
) -> QuerySet[Communication]:
    """The API list of communications, optionally of one case or referral."""
    communications = communications_visible_to(user).select_related(
        "agency", "contact", "case", "recorded_by"
    )
    return _on_named_record(
        communications, user=user, case_number=case_number, referral_id=referral_id
    )


def requests_visible_to(user) -> QuerySet[PartnerRequest]:
    return PartnerRequest.objects.filter(under_record_visibility_q(user))


def requests_for(*, user, case=None, referral=None) -> QuerySet[PartnerRequest]:
    requests = requests_visible_to(user).select_related("agency", "contact", "case", "referral")
    if case is not None:
        requests = requests.filter(_on_case_q(case))
    if referral is not None:
        requests = requests.filter(referral=referral)
    return requests.order_by("-created_at", "-id")


def requests_filtered(
    *,
    user,
    case_number: str = "",
    referral_id: int | None = None,
    status: str = "",
    kind: str = "",
    agency_id: int | None = None,
) -> QuerySet[PartnerRequest]:
    """The API list of requests, optionally of one record, status, kind or agency."""
    requests = requests_visible_to(user).select_related("agency", "contact", "case")
    requests = _on_named_record(
        requests, user=user, case_number=case_number, referral_id=referral_id
    )
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    if agency_id is not None:
        requests = requests.filter(agency_id=agency_id)
    return requests


def request_get_for(*, user, pk) -> PartnerRequest:
    request = (
        requests_visible_to(user)
        .select_related("agency", "contact", "case", "referral", "created_by")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise NotFound("No such request that you can see.")
    return request


# --- supervision -------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY …)``: the true median."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _seconds_between(later, earlier) -> Func:
    return Func(
        later,
        earlier,
        template="EXTRACT(EPOCH FROM (%(expressions)s))",
        arg_joiner=" - ",
        output_field=FloatField(),
    )


def open_requests_by_agency(*, user, now: datetime | None = None) -> list[dict]:
    """Open requests (sent, acknowledged, partially answered) the user can see, per agency:
    how many, how old (buckets and median), oldest first — the slowest partners lead."""
    now = now or timezone.now()
    age = _seconds_between(Value(now, output_field=DateTimeField()), F("sent_at"))
    rows = (
        requests_visible_to(user)
        .filter(status__in=OPEN_STATUSES, sent_at__isnull=False)
        .values("agency_id", "agency__name", "agency__country")
        .annotate(
            open_count=Count("id"),
            oldest_sent_at=Min("sent_at"),
            median_age_seconds=Median(age),
            under_week=Count("id", filter=Q(sent_at__gt=now - timedelta(days=7))),
            week_to_month=Count(
                "id",
                filter=Q(
                    sent_at__lte=now - timedelta(days=7),
                    sent_at__gt=now - timedelta(days=30),
                ),
            ),
            over_month=Count("id", filter=Q(sent_at__lte=now - timedelta(days=30))),
        )
        .order_by("oldest_sent_at", "agency__name")
    )
    return [
        {
            **row,
            "oldest_age_days": (now - row["oldest_sent_at"]).total_seconds() / DAY,
            "median_age_days": (row["median_age_seconds"] or 0) / DAY,
        }
        for row in rows
    ]


def response_times(*, user) -> list[dict]:
    """Median time from sending to the first answer, per agency and request kind, slowest
    first. Computed in PostgreSQL over the requests the user can see."""
    rows = (
        requests_visible_to(user)
        .filter(answered_at__isnull=False, sent_at__isnull=False)
        .values("agency_id", "agency__name", "agency__country", "kind")
        .annotate(
            answered=Count("id"),
            median_seconds=Median(_seconds_between(F("answered_at"), F("sent_at"))),
        )
        .order_by("-median_seconds", "agency__name", "kind")
    )
    return [
        {
            **row,
            "kind_label": RequestKind(row["kind"]).label,
            "median_days": row["median_seconds"] / DAY,
        }
        for row in rows
    ]


def case_open_items(*, case) -> list[OpenItem]:
    """Requests of ``case`` still waiting (drafts never sent, and sent ones not yet answered
    in full), for the closure checklist."""
    rows = (
        PartnerRequest.objects.filter(case=case, status__in=[RequestStatus.DRAFT, *OPEN_STATUSES])
        .select_related("agency")
        .order_by("created_at", "pk")
    )
    return [
        OpenItem(
            key=f"request:{request.pk}",
            group="request",
            label=f"{request.get_kind_display()} to {request.agency} "
            f"({request.get_status_display().lower()})",
            url=reverse("partners:request", args=[request.pk]),
        )
        for request in rows
    ]


def case_section(*, user, case):
    """The case page's partner requests: the latest few, and how many are still waiting."""
    # The page read ``case`` through the case selector for ``user``: a request on that case, or
    # on a referral accepted into it, is one the user may see (``under_record_visibility_q``),
    # so the case alone selects them. The waiting count rides on the list (a window count).
    waiting_q = Q(status__in=[RequestStatus.DRAFT, *OPEN_STATUSES])
    shown = list(
        PartnerRequest.objects.filter(_on_case_q(case))
        .select_related("agency")
        .only("kind", "external_reference", "status", "sent_at", "agency__name", "agency__country")
        .annotate(waiting=Window(Count("pk", filter=waiting_q)))
        .order_by("-created_at", "-id")[:9]
    )
    more, shown = len(shown) > 8, shown[:8]
    waiting = shown[0].waiting if shown else 0
    facts = []
    if waiting:
        facts.append(
            CaseFact(
                label="Partner requests",
                text=f"{waiting} waiting for an answer or not sent",
                url="#requests",
            )
        )
    return CaseSection(
        order=20,
        anchor="requests",
        title="Partner requests",
        template="partners/_case_section.html",
        context={
            "requests": shown,
            "waiting": waiting,
            "more": more,
            "list_url": reverse("partners:case", args=[case.number]),
        },
        facts=facts,
    )

"""Need-to-know for cases, decided here and only here.

Threat: an investigator browsing cases they have no part in (curiosity, or an insider helping a
suspect). Every page, API route, search, export, count and feed that touches a case, or anything
under one, filters through ``cases_visible_to`` / ``case_visibility_q``. A case one may not see
is absent from lists and totals and answers 404.

Rules: an investigator (and an administrator) sees cases on which they hold guardian's
``view_case_content`` object permission, granted to the lead and to assignees by the services;
a supervisor sees every case of their unit; an auditor sees no case content.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from casework.accounts.choices import Role
from casework.audit.services import audit_record
from casework.core.context import with_reason
from casework.core.errors import DomainError, NotFound
from casework.core.queries import InArray
from casework.core.trigrams import MIN_LENGTH as TRIGRAM_MIN_LENGTH
from casework.core.trigrams import contains_text_q
from casework.privacy.identifiers import identifier_match_q

from .choices import CaseStatus, ClosureRequestStatus
from .models import (
    Case,
    CaseAssignment,
    CaseClosureRequest,
    CaseIdentifier,
    CaseNote,
    CaseSubject,
    CaseTask,
    CaseUserObjectPermission,
    VictimRecord,
)

VIEW_PERMISSION = "view_case_content"


def case_visibility_q(user, *, prefix: str = "", semi_join: bool = False) -> Q:
    """A ``Q`` selecting the cases ``user`` may see; ``prefix`` is the path to the case
    (``"case__"`` from a model with a ``case`` foreign key). Empty for signed-out users.

    ``semi_join`` (with a prefix) tests the case id against the ids of the cases the user may
    see, instead of joining each row's case: the same rows, for aggregates over many rows (the
    oversight figures), where PostgreSQL otherwise hashes every case of every unit to read one
    column of them. A short list keeps the join, which probes a handful of cases by key."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    supervisor = user.has_role(Role.SUPERVISOR) and user.unit_id is not None
    if prefix and semi_join and supervisor:
        return Q(**{f"{prefix}in": visible_case_ids(user)})
    if prefix:
        # From a related model the grant is a plain IN over the grant table's case ids.
        visible = Q(**{f"{prefix}in": _granted_case_ids(user)})
    elif supervisor:
        # "Their unit's cases, or a case granted to them": both halves an index condition
        # (the unit index, and the primary key against the array of granted ids that
        # PostgreSQL reads once), so a count or a page reads the unit's cases alone. Written
        # as EXISTS, the OR made PostgreSQL test every case of every unit (issue 26: 32.7 ms
        # for the count at national scale, growing with the whole table).
        return Q(unit_id=user.unit_id) | Q(InArray(F("pk"), _granted_case_ids(user)))
    else:
        visible = Q(
            Exists(
                CaseUserObjectPermission.objects.filter(
                    user=user, permission__codename=VIEW_PERMISSION, content_object=OuterRef("pk")
                )
            )
        )
    if supervisor:
        visible |= Q(**{f"{prefix}unit_id": user.unit_id})
    return visible


def visible_case_ids(user) -> QuerySet:
    """The ids of the cases ``user`` may see, as a subquery that reads indexes only: a
    supervisor's unit and grants (see ``case_visibility_q``), anyone else's grants."""
    if user.has_role(Role.SUPERVISOR) and user.unit_id is not None:
        return Case.objects.filter(case_visibility_q(user)).order_by().values("pk")
    return _granted_case_ids(user)


def _granted_case_ids(user) -> QuerySet:
    return CaseUserObjectPermission.objects.filter(
        user=user, permission__codename=VIEW_PERMISSION
    ).values("content_object_id")


def cases_visible_to(user) -> QuerySet[Case]:
    return Case.objects.filter(case_visibility_q(user))


def case_get_for(*, user, number: str) -> Case:
    """The case with this number if ``user`` may see it; otherwise NotFound (404)."""
    case = cases_visible_to(user).select_related("unit", "lead").filter(number=number).first()
    if case is None:
        raise NotFound(f"No case {number} that you can see.")
    return case


def case_is_visible(*, user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def users_who_can_see_case(case: Case) -> QuerySet:
    """The active accounts ``case_visibility_q`` lets see ``case`` (the same two rules, seen
    from the case): holders of the view grant and supervisors of the case's unit."""
    from casework.accounts.models import User

    granted = CaseUserObjectPermission.objects.filter(
        user=OuterRef("pk"), permission__codename=VIEW_PERMISSION, content_object=case
    )
    unit_supervisor = Q(unit_id=case.unit_id, groups__name=Role.SUPERVISOR)
    ids = User.objects.filter(Q(Exists(granted)) | unit_supervisor).values("pk")
    return User.objects.filter(pk__in=ids, is_active=True)


# --- Roles on one case ------------------------------------------------------------------------


def is_unit_supervisor(user, unit_id: int | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and unit_id is not None
        and user.unit_id == unit_id
        and user.has_role(Role.SUPERVISOR)
    )


def is_case_member(user, case: Case) -> bool:
    """Lead or assignee (an active account). Not a supervisor, not a granted administrator."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if case.lead_id == user.pk:
        return True
    known = getattr(case, "viewer_assigned", None)  # read with the case by ``case_view``
    if known is not None and known[0] == user.pk:
        return known[1]
    return CaseAssignment.objects.filter(case=case, user=user).exists()


def can_manage_case(user, case: Case) -> bool:
    """Status, priority, lead and assignments: the lead or a supervisor of the case's unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return case.lead_id == user.pk or is_unit_supervisor(user, case.unit_id)


def view_details(user, case: Case, **details) -> dict:
    """Details for a ``*.view`` audit event, marked ``outside_team`` when the viewer is neither
    on the case (lead, assignee) nor a supervisor of its unit — someone who sees it by a grant.
    The audit flags list only those views: the team's own work is not worth a second look."""
    if not (is_unit_supervisor(user, case.unit_id) or is_case_member(user, case)):
        details["outside_team"] = True
    return details


def can_see_victims(user, case: Case) -> bool:
    return is_unit_supervisor(user, case.unit_id) or is_case_member(user, case)


def victim_visibility_q(user, *, prefix: str = "case__") -> Q:
    """Victim records: the case's lead, its assignees and its unit's supervisors — not an
    administrator who was granted the case, and not an auditor."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    visible = Q(**{f"{prefix}lead_id": user.pk}) | Q(
        **{f"{prefix}in": CaseAssignment.objects.filter(user=user).values("case_id")}
    )
    if user.has_role(Role.SUPERVISOR) and user.unit_id is not None:
        visible |= Q(**{f"{prefix}unit_id": user.unit_id})
    return visible


# --- Lists ------------------------------------------------------------------------------------

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


# --- One case and what hangs off it -----------------------------------------------------------


def case_view(*, user, number: str, tab: str = "overview") -> Case:
    """The case for display, audited as ``case.view`` (404 if it may not be seen)."""
    case = (
        cases_visible_to(user)
        .select_related("unit", "lead")
        .annotate(assigned=Exists(CaseAssignment.objects.filter(case=OuterRef("pk"), user=user)))
        .filter(number=number)
        .first()
    )
    if case is None:
        raise NotFound(f"No case {number} that you can see.")
    # Whether the viewer is on the team, read with the case: the audit event and the victims
    # tab ask, and each would otherwise ask the database again.
    case.viewer_assigned = (user.pk, case.assigned)
    audit_record(
        actor=user,
        action="case.view",
        target=case,
        case_id=case.pk,
        details=view_details(user, case, tab=tab),
    )
    return case


def case_assignees(case: Case) -> QuerySet:
    return (
        CaseAssignment.objects.filter(case=case).select_related("user").order_by("user__username")
    )


def case_identifiers_for(*, user, case: Case) -> QuerySet[CaseIdentifier]:
    return (
        CaseIdentifier.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("subject", "added_by")
        .order_by("kind", "id")
    )


def case_subjects_for(*, user, case: Case) -> QuerySet[CaseSubject]:
    return CaseSubject.objects.filter(case_visibility_q(user, prefix="case__"), case=case)


def case_notes_for(*, user, case: Case) -> QuerySet[CaseNote]:
    return (
        CaseNote.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("author", "corrects")
        .annotate(correction_count=Count("corrections"))
        .order_by("created_at", "id")
    )


def case_tasks_for(*, user, case: Case) -> QuerySet[CaseTask]:
    return (
        CaseTask.objects.filter(case_visibility_q(user, prefix="case__"), case=case)
        .select_related("assignee", "done_by")
        .order_by(F("done_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "id")
    )


def victim_records_view(*, user, case: Case, reason: str) -> list[VictimRecord]:
    """The case's victim records, for the lead, assignees and unit supervisors only, after
    they state why (break-the-glass). Each view is one ``victim.view`` audit event carrying
    the reason; anyone else gets NotFound, and the attempt is not shown as existing."""
    reason = (reason or "").strip()
    if not can_see_victims(user, case):
        raise NotFound("No victim records that you can see.")
    if len(reason) < 4:
        raise DomainError("Say why you need to see the victim records.", field="reason")
    victims = list(
        VictimRecord.objects.filter(victim_visibility_q(user), case=case)
        .select_related("subject")
        .prefetch_related("safeguarding_actions__recorded_by")
        .order_by("subject__sequence")
    )
    with with_reason(reason):
        audit_record(
            actor=user,
            action="victim.view",
            object_type="cases.victimrecord",
            case_id=case.pk,
            details=view_details(user, case, victims=[v.pk for v in victims]),
        )
    return victims


def victim_record_get_for(*, user, case: Case, pk: int) -> VictimRecord:
    victim = (
        VictimRecord.objects.filter(victim_visibility_q(user), case=case, pk=pk)
        .select_related("subject", "case", "case__unit")
        .first()
    )
    if victim is None:
        raise NotFound("No victim record that you can see.")
    return victim


def case_task_get_for(*, user, case: Case, pk: int) -> CaseTask:
    task = (
        CaseTask.objects.filter(case_visibility_q(user, prefix="case__"), case=case, pk=pk)
        .select_related("case", "case__unit")
        .first()
    )
    if task is None:
        raise NotFound("No task that you can see.")
    return task


def case_note_get_for(*, user, case: Case, pk: int) -> CaseNote:
    note = CaseNote.objects.filter(
        case_visibility_q(user, prefix="case__"), case=case, pk=pk
    ).first()
    if note is None:
        raise NotFound("No note that you can see.")
    return note


def case_subject_get_for(*, user, case: Case, pk: int) -> CaseSubject:
    subject = CaseSubject.objects.filter(
        case_visibility_q(user, prefix="case__"), case=case, pk=pk
    ).first()
    if subject is None:
        raise NotFound("No subject that you can see.")
    return subject


def unit_investigators(unit_id: int | None) -> QuerySet:
    from casework.accounts.models import User

    if unit_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            unit_id=unit_id,
            is_active=True,
            # Service accounts act through the API only; nobody assigns them work.
            is_service_account=False,
            groups__name__in=[Role.INVESTIGATOR, Role.SUPERVISOR],
        )
        .distinct()
        .order_by("username")
    )


def case_people(case: Case) -> QuerySet:
    """Lead and assignees: who tasks can go to."""
    from casework.accounts.models import User

    return (
        User.objects.filter(Q(pk=case.lead_id) | Q(case_assignments__case=case), is_active=True)
        .distinct()
        .order_by("username")
    )


# --- The case page's header and sections ------------------------------------------------------


@dataclass(frozen=True)
class CaseFact:
    """One line of the case header another app contributes (``Next deadline``, ``Overdue``).
    ``due`` is shown with its time left; ``alert`` marks what needs acting on."""

    label: str
    text: str = ""
    url: str = ""
    due: datetime | None = None
    alert: bool = False


@dataclass
class CaseSection:
    """One panel of the case page from another app: its template is rendered with
    ``section`` (this object) in the page's context."""

    order: int
    anchor: str
    title: str
    template: str
    context: dict
    facts: list[CaseFact]


@dataclass
class CaseHeader:
    assignees: list
    referrals: list
    matches: list[Case]
    counts: dict
    sections: list[CaseSection]

    @property
    def facts(self) -> list[CaseFact]:
        return [fact for section in self.sections for fact in section.facts]


def _deconfliction_hits(*, user, case: Case) -> list[Case]:
    """Other cases the viewer may see that hold one of this case's identifiers. Cases the viewer
    may not see are left out: their existence is told (with the lead to call) only by running
    deconfliction, which is audited and notifies the other side."""
    shared = CaseIdentifier.objects.filter(
        case=case, kind=OuterRef("kind"), fingerprint=OuterRef("fingerprint")
    )
    held = CaseIdentifier.objects.filter(Exists(shared)).exclude(case=case).values("case_id")
    return list(
        cases_visible_to(user).filter(pk__in=held).only("number", "title").order_by("number")[:20]
    )


def _count_of(model, **filters):
    rows = (
        model.objects.filter(case=OuterRef("pk"), **filters)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0)


def case_referrals(case: Case) -> list:
    """The referrals accepted into ``case`` (id and reference), oldest first; read once per
    case object, since the header and the partner-request panel both need them."""
    cached = getattr(case, "_referrals", None)
    if cached is None:
        cached = case._referrals = list(
            case.referrals.order_by("received_at", "pk").only("pk", "case_id", "source_reference")
        )
    return cached


def case_header(*, user, case: Case) -> CaseHeader:
    """Everything the case page shows above and beside its tabs, in a bounded number of
    queries whatever the case holds. Deadlines, partner requests and evidence come from their
    apps (each ``AppConfig`` sets ``case_section`` to ``(*, user, case) -> CaseSection`` in
    ``ready()``), as ``case_open_items`` does, so cases does not import them.

    ``case`` was read through ``case_view`` for ``user``: every record that hangs off a case
    is visible exactly when its case is, so a provider selects by the case alone and does not
    test need-to-know again (on national data the repeated test cost most of the page)."""
    from django.apps import apps

    sections = []
    for config in apps.get_app_configs():
        provider = getattr(config, "case_section", None)
        if provider is not None:
            sections.append(provider(user=user, case=case))
    sections.sort(key=lambda section: section.order)
    counts = (
        Case.objects.filter(pk=case.pk)
        .values()
        .annotate(
            open_tasks=_count_of(CaseTask, done_at__isnull=True),
            tasks=_count_of(CaseTask),
            subjects=_count_of(CaseSubject),
            identifiers=_count_of(CaseIdentifier),
            notes=_count_of(CaseNote),
        )
        .values("open_tasks", "tasks", "subjects", "identifiers", "notes")
        .get()
    )
    return CaseHeader(
        assignees=list(case_assignees(case)),
        referrals=case_referrals(case),
        matches=_deconfliction_hits(user=user, case=case),
        counts=counts,
        sections=sections,
    )


def case_template_choices(*, user) -> list[tuple[str, str]]:
    """Templates to offer when opening a case, from the app that keeps them (its
    ``AppConfig`` sets ``case_template_choices``); cases does not import it."""
    from django.apps import apps

    choices: list[tuple[str, str]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "case_template_choices", None)
        if provider is not None:
            choices.extend(provider(user=user))
    return choices


def case_open_tasks(case: Case, *, limit: int = 5) -> list[CaseTask]:
    return list(
        CaseTask.objects.filter(case=case, done_at__isnull=True)
        .select_related("assignee")
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )

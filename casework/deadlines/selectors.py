"""Who sees which deadline: a deadline follows its case's access, or its referral's.

Threat: a clock names a case and what is being done on it (a preservation at a provider, a
court date); an investigator without a part in the case must not learn it exists, not on a
page, in the API, in a count nor in a calendar feed. Access is decided here, as querysets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When, Window
from django.urls import reverse
from django.utils import timezone

from casework.accounts.choices import Role
from casework.cases.closure import OpenItem
from casework.cases.selectors import CaseFact, CaseSection, case_visibility_q
from casework.core.errors import NotFound
from casework.referrals.selectors import referral_visibility_q

from .choices import ACTIVE_STATES, DeadlineKind, DeadlineState
from .models import Deadline

RELATED = ("case", "referral", "owner", "unit", "rule")


def deadline_visibility_q(user, *, semi_join: bool = False) -> Q:
    """Deadlines on a visible case; on a visible referral that has no case yet; and the unit's
    own clocks (weekly audit review) for its supervisors, auditors and the owner.
    ``semi_join``: cases are tested by id against the visible ones (see ``case_visibility_q``),
    for aggregates over many clocks."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    on_case = Q(case__isnull=False) & case_visibility_q(
        user, prefix="case__", semi_join=semi_join, or_arm=True
    )
    on_referral = Q(case__isnull=True, referral__isnull=False) & referral_visibility_q(
        user, prefix="referral__", semi_join=semi_join
    )
    visible = on_case | on_referral
    unit_level = Q(case__isnull=True, referral__isnull=True)
    visible |= unit_level & Q(owner=user)
    if user.unit_id is not None and user.has_role(Role.SUPERVISOR, Role.AUDITOR):
        visible |= unit_level & Q(unit_id=user.unit_id)
    return visible


# PostgreSQL stores years Python cannot hold (before year 1, after 9999); such a row, written
# before the shared validators refused it, would fail every list that loads it. Reads leave it
# out (the sweep reports it to the administrators); due_at >= starts_at bounds the other times.
_LOADABLE = Q(
    starts_at__gte=datetime(1, 1, 2, tzinfo=UTC), due_at__lte=datetime(9999, 12, 30, tzinfo=UTC)
)


def deadlines_visible_to(user) -> QuerySet[Deadline]:
    return Deadline.objects.filter(deadline_visibility_q(user) & _LOADABLE)


def _mine_halves(user) -> list[Q]:
    """A person's own clocks: those they own (a case's clocks default to its lead); for
    supervisors also their unit's unowned clocks (the triage queue has no owner yet). Each is
    a range of one index (owner or unit, then state and due time)."""
    halves = [Q(owner=user)]
    if user.unit_id is not None and user.has_role(Role.SUPERVISOR):
        halves.append(Q(owner__isnull=True, unit_id=user.unit_id))
    return halves


def _mine_q(user) -> Q:
    """Both halves of ``_mine_halves``: PostgreSQL can OR their index scans as bitmaps."""
    mine = Q()
    for half in _mine_halves(user):
        mine |= half
    return mine


def _overdue_first(queryset: QuerySet[Deadline], now: datetime) -> QuerySet[Deadline]:
    return queryset.annotate(
        overdue_rank=Case(
            When(Q(state=DeadlineState.MISSED) | Q(due_at__lte=now), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("overdue_rank", "due_at", "id")


def _first_overdue_first(
    user, ranges: list[Q], *, states, now: datetime, limit: int, fields=None
) -> list[Deadline]:
    """``list(_overdue_first(<visible clocks in any of ranges>, now)[:limit])``, without
    sorting every clock.

    Ordered as a whole, the query checks need-to-know and ranks every matching clock before it
    can return the first: at national scale that is a unit's whole triage queue (100,000
    clocks after an import) for a page of 200. Cut by range, state and rank instead, each piece
    is one range of an index on (owner or unit, state, due_at), in due order, so one cheap
    query reads each piece's first ``limit`` (rank, due_at, id); the first ``limit`` of all of
    those are the page's candidates. Need-to-know is then checked on them alone, and when the
    person may see every one (the usual case: these are their own clocks, or their unit's),
    they are the page, in the same order. Otherwise see below; when what was read cannot
    prove the page, the whole query decides, as before.
    """
    pieces: list[tuple[int, Q]] = []
    for where in ranges:
        for state in states or DeadlineState.values:
            if state == DeadlineState.MISSED:  # overdue whatever its due time
                pieces.append((0, where & Q(state=state)))
            else:
                pieces.append((0, where & Q(state=state, due_at__lte=now)))
                pieces.append((1, where & Q(state=state, due_at__gt=now)))
    firsts = [
        Deadline.objects.filter(where, _LOADABLE)
        .order_by("due_at", "id")
        .annotate(piece=Value(number, output_field=IntegerField()))
        .values_list("piece", "due_at", "pk")[:limit]
        for number, (_rank, where) in enumerate(pieces)
    ]
    read = list(firsts[0].union(*firsts[1:], all=True) if len(firsts) > 1 else firsts[0])
    keyed = sorted((pieces[number][0], due_at, pk) for number, due_at, pk in read)
    candidates = [pk for _rank, _due_at, pk in keyed[:limit]]
    page = _visible_in_order(user, candidates, now, fields)
    if len(page) == len(candidates):
        return page
    # Some are hidden from this person (their own clock on a case they no longer see): check
    # everything read. A piece read only in part holds more clocks after the last one read;
    # the page stands if each of those would come after its last row anyway.
    page = _visible_in_order(user, [pk for _, _, pk in keyed], now, fields)[:limit]
    last_read: dict[int, tuple] = {}
    for number, due_at, pk in read:
        last_read[number] = max(last_read.get(number, ()), (pieces[number][0], due_at, pk))
    counts = Counter(number for number, _, _ in read)
    cut = [last_read[number] for number, count in counts.items() if count == limit]
    if not cut or (
        len(page) == limit
        and all((page[-1].overdue_rank, page[-1].due_at, page[-1].pk) <= key for key in cut)
    ):
        return page
    everything = deadlines_visible_to(user).filter(reduce(or_, (w for _, w in pieces)))
    return list(_overdue_first(_rows(everything, fields), now)[:limit])


def _visible_in_order(user, pks: list[int], now: datetime, fields) -> list[Deadline]:
    visible = deadlines_visible_to(user).filter(pk__in=pks)
    return list(_overdue_first(_rows(visible, fields), now))


def _rows(queryset: QuerySet[Deadline], fields) -> QuerySet[Deadline]:
    """With ``fields`` (a list page's columns), only those are loaded: the clock, its case,
    referral, owner and unit have a hundred columns between them, and turning them into
    objects was most of a 200-row list's time in the database driver. A field left out is
    loaded row by row when read, so a page must name every one it shows."""
    if fields is None:
        return queryset.select_related(*RELATED)
    related = {name.split("__")[0] for name in fields if "__" in name}
    return queryset.select_related(*sorted(related)).only(*fields)


def deadlines_mine(*, user, states=ACTIVE_STATES, now: datetime | None = None):
    """My deadlines, overdue first, then by due time."""
    now = now or timezone.now()
    queryset = deadlines_visible_to(user).filter(_mine_q(user))
    if states:
        queryset = queryset.filter(state__in=states)
    return _overdue_first(queryset.select_related(*RELATED), now)


def deadlines_mine_first(
    *, user, limit: int, states=ACTIVE_STATES, now: datetime | None = None, fields=None
) -> list[Deadline]:
    """``list(deadlines_mine(...)[:limit])``, read in index order (``_first_overdue_first``);
    ``fields``: load only these (see ``_rows``)."""
    now = now or timezone.now()
    return _first_overdue_first(
        user, _mine_halves(user), states=states, now=now, limit=limit, fields=fields
    )


def deadlines_in_range(*, user, start: datetime, end: datetime) -> QuerySet[Deadline]:
    """My deadlines due in [start, end), whatever their state (the month calendar)."""
    return (
        deadlines_visible_to(user)
        .filter(_mine_q(user), due_at__gte=start, due_at__lt=end)
        .select_related(*RELATED)
        .order_by("due_at", "id")
    )


def deadlines_for_feed(*, user, now: datetime | None = None) -> QuerySet[Deadline]:
    """What a personal calendar feed holds: my clocks from 30 days back, and all to come."""
    now = now or timezone.now()
    return (
        deadlines_visible_to(user)
        .filter(_mine_q(user), due_at__gte=now - timedelta(days=30))
        .select_related(*RELATED)
        .order_by("due_at", "id")[:2000]
    )


def deadlines_unit_board(*, user, now: datetime | None = None) -> QuerySet[Deadline]:
    """A supervisor's board: the unit's overdue clocks and those due within 7 days."""
    _check_board(user)
    now = now or timezone.now()
    queryset = deadlines_visible_to(user).filter(
        unit_id=user.unit_id, state__in=ACTIVE_STATES, due_at__lt=now + timedelta(days=7)
    )
    return _overdue_first(queryset.select_related(*RELATED), now)


def deadlines_unit_board_first(
    *, user, limit: int, now: datetime | None = None, fields=None
) -> list[Deadline]:
    """``list(deadlines_unit_board(...)[:limit])``, read in index order
    (``_first_overdue_first``); ``fields``: load only these (see ``_rows``)."""
    _check_board(user)
    now = now or timezone.now()
    unit = Q(unit_id=user.unit_id, due_at__lt=now + timedelta(days=7))
    return _first_overdue_first(
        user, [unit], states=ACTIVE_STATES, now=now, limit=limit, fields=fields
    )


def _check_board(user) -> None:
    if user.unit_id is None or not user.has_role(Role.SUPERVISOR):
        raise NotFound("The unit board is for supervisors.")


def deadlines_filtered(
    *,
    user,
    scope: str = "mine",
    states: list[str] | None = None,
    kinds: list[str] | None = None,
    case_number: str = "",
    due_before: datetime | None = None,
    due_after: datetime | None = None,
) -> QuerySet[Deadline]:
    """The API list: ``mine``, ``unit`` (supervisors) or ``visible`` (all I may see)."""
    queryset = deadlines_visible_to(user)
    if scope == "mine":
        queryset = queryset.filter(_mine_q(user))
    elif scope == "unit":
        if user.unit_id is None or not user.has_role(Role.SUPERVISOR):
            raise NotFound("The unit scope is for supervisors.")
        queryset = queryset.filter(unit_id=user.unit_id)
    if states:
        queryset = queryset.filter(state__in=states)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    if case_number:
        queryset = queryset.filter(case__number=case_number)
    if due_before:
        queryset = queryset.filter(due_at__lt=due_before)
    if due_after:
        queryset = queryset.filter(due_at__gte=due_after)
    return queryset.select_related(*RELATED)


def deadline_get_for(*, user, reference) -> Deadline:
    """The deadline with this reference if ``user`` may see it; otherwise NotFound (404)."""
    try:
        deadline = (
            deadlines_visible_to(user)
            .select_related(*RELATED, "extended_to", "extended_from")
            .filter(reference=reference)
            .first()
        )
    except Exception as error:  # a malformed UUID is just another unknown reference
        raise NotFound("No such deadline that you can see.") from error
    if deadline is None:
        raise NotFound("No such deadline that you can see.")
    return deadline


def deadlines_for_case(*, user, case) -> QuerySet[Deadline]:
    return deadlines_visible_to(user).filter(case=case).select_related(*RELATED)


def case_open_items(*, case) -> list[OpenItem]:
    """Open and missed clocks of ``case``, for the closure checklist (court dates apart)."""
    now = timezone.now()
    items = []
    for deadline in Deadline.objects.filter(case=case, state__in=ACTIVE_STATES).order_by(
        "due_at", "pk"
    ):
        overdue = deadline.due_at <= now
        late = " (missed)" if deadline.state == DeadlineState.MISSED else ""
        items.append(
            OpenItem(
                key=f"deadline:{deadline.pk}",
                group="court_date" if deadline.kind == DeadlineKind.COURT_DATE else "deadline",
                label=f"{deadline.get_kind_display()}{late}",
                url=reverse("deadlines:detail", args=[deadline.reference]),
                due_at=deadline.due_at,
                overdue=overdue,
                # The periodic review exists because the case is open; closing ends it.
                blocking=deadline.kind != DeadlineKind.CASE_REVIEW,
            )
        )
    return items


SOON = timedelta(hours=72)
RECENT = timedelta(days=30)


@dataclass
class HomeDeadlines:
    """The home panel read at 2 a.m.: what falls due within 72 hours, what went overdue in the
    last 30 days, and how much older overdue work there is (a count, not a list: it is a
    supervisor's conversation, not tonight's work)."""

    due_soon: list[Deadline]
    recently_overdue: list[Deadline]
    older_overdue: int


def deadlines_home(*, user, now: datetime | None = None, size: int = 8) -> HomeDeadlines:
    """Three bounded queries, whatever the backlog; each row carries its case or referral."""
    now = now or timezone.now()
    mine = (
        deadlines_visible_to(user)
        .filter(_mine_q(user), state__in=ACTIVE_STATES)
        .select_related(*RELATED)
    )
    return HomeDeadlines(
        due_soon=list(
            mine.filter(due_at__gt=now, due_at__lte=now + SOON).order_by("due_at", "id")[:size]
        ),
        recently_overdue=list(
            mine.filter(due_at__lte=now, due_at__gt=now - RECENT).order_by("-due_at", "-id")[:size]
        ),
        older_overdue=mine.filter(due_at__lte=now - RECENT).count(),
    )


def case_section(*, user, case):
    """The case page's deadlines: open ones with time left first (soonest first), then the
    overdue ones (latest missed first); the header gets the next one and the overdue count."""
    now = timezone.now()
    # The page read ``case`` through the case selector for ``user``, and a clock on a case the
    # user may see is one the user may see (``deadline_visibility_q``), so the case alone
    # selects them; only what the section shows is loaded. Each list carries the size of its
    # whole half (a window count), so the header's counts cost no third query.
    active = (
        Deadline.objects.filter(_LOADABLE, case=case, state__in=ACTIVE_STATES)
        .only("reference", "kind", "due_at", "state")
        .annotate(of=Window(Count("pk")))
    )
    # Both halves in one round trip (UNION ALL of the two limited, ordered selects).
    halves = (
        active.filter(due_at__gt=now)
        .order_by("due_at", "id")[:10]
        .union(active.filter(due_at__lte=now).order_by("-due_at", "-id")[:10], all=True)
    )
    upcoming, overdue = [], []
    for deadline in halves:
        (upcoming if deadline.due_at > now else overdue).append(deadline)
    upcoming.sort(key=lambda deadline: (deadline.due_at, deadline.pk))
    overdue.sort(key=lambda deadline: (deadline.due_at, deadline.pk), reverse=True)
    counts = {"overdue": overdue[0].of if overdue else 0}
    counts["open"] = counts["overdue"] + (upcoming[0].of if upcoming else 0)
    facts = []
    if upcoming:
        nearest = upcoming[0]
        facts.append(
            CaseFact(
                label="Next deadline",
                text=nearest.get_kind_display(),
                url=reverse("deadlines:detail", args=[nearest.reference]),
                due=nearest.due_at,
            )
        )
    else:
        facts.append(CaseFact(label="Next deadline", text="None open"))
    facts.append(
        CaseFact(
            label="Overdue",
            text=f"{counts['overdue']} deadline{'s' if counts['overdue'] != 1 else ''} overdue"
            if counts["overdue"]
            else "Nothing overdue",
            url="#deadlines" if counts["overdue"] else "",
            alert=bool(counts["overdue"]),
        )
    )
    return CaseSection(
        order=10,
        anchor="deadlines",
        title="Deadlines",
        template="deadlines/_case_section.html",
        context={
            "upcoming": upcoming,
            "overdue": overdue,
            "counts": counts,
            "create_url": reverse("deadlines:create") + f"?case={case.number}",
        },
        facts=facts,
    )

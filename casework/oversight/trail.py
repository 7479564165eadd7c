"""Who may read which part of the audit trail, and the searches over it (the audit workspace's
reads; the ledger itself, ``casework.audit``, knows nothing of cases or roles' reach).

Threat: the trail itself names cases, people and records; read freely it would leak what it is
meant to watch. Auditors see every event but no case content: the values in captured changes
are replaced by "changed" for them (an event names its record, it does not reveal it).
Supervisors see the events of their unit's cases, with values. Everyone else sees nothing, and
a case or person outside one's reach answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from casework.accounts.choices import Role
from casework.audit.models import AuditEvent
from casework.audit.selectors import actions_starting, decode_cursor, encode_cursor
from casework.cases.models import Case
from casework.cases.selectors import cases_visible_to
from casework.core.errors import NotFound

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


def can_read_trail(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_role(Role.AUDITOR, Role.SUPERVISOR)
    )


def sees_values(user) -> bool:
    """Supervisors see before/after values of their unit's records; auditors see field names."""
    return user.has_role(Role.SUPERVISOR) and not user.has_role(Role.AUDITOR)


def events_visible_to(user) -> QuerySet[AuditEvent]:
    if not can_read_trail(user):
        return AuditEvent.objects.none()
    if user.has_role(Role.AUDITOR):
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(case_id__in=cases_visible_to(user).values("pk"))


@dataclass
class EventFilters:
    person: str = ""
    case: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    outcome: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    cursor: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_details(self) -> dict[str, Any]:
        values = {
            "person": self.person,
            "case": self.case,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "action": self.action,
            "outcome": self.outcome,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in values.items() if value}


def _case_id(user, case: str) -> int:
    """A case number (or id) the user may read the trail of, else 404."""
    lookup = Q(number=case) | (Q(pk=int(case)) if case.isdigit() else Q(pk__in=[]))
    case_id = Case.objects.filter(lookup).values_list("pk", flat=True).first()
    if case_id is None:
        raise NotFound("No such case.")
    if not user.has_role(Role.AUDITOR) and not cases_visible_to(user).filter(pk=case_id).exists():
        raise NotFound("No such case.")
    return case_id


def _search(*, user, filters: EventFilters) -> tuple[QuerySet[AuditEvent], list[str] | None]:
    """Everything ``event_search`` filters on except the action, and the matching actions."""
    events = events_visible_to(user)
    if filters.person:
        events = events.filter(actor_username=filters.person)
    if filters.case:
        events = events.filter(case_id=_case_id(user, filters.case))
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.since:
        events = events.filter(occurred_at__gte=filters.since)
    if filters.until:
        events = events.filter(occurred_at__lt=filters.until)
    if filters.cursor:
        moment, pk = decode_cursor(filters.cursor)
        # The first condition is implied by the second; it is there so the index range starts
        # at the cursor instead of the scan filtering its way down to it.
        events = events.filter(occurred_at__lte=moment).filter(
            Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk)
        )
    actions = actions_starting(filters.action) if filters.action else None
    return events.order_by("-occurred_at", "-id"), actions


def event_search(*, user, filters: EventFilters) -> QuerySet[AuditEvent]:
    """The trail filtered by person, case, record, action (a prefix), outcome and time, newest
    first.

    Ordered on (occurred_at, id) descending, the key of the indexes the searches use, so keyset
    paging (``filters.cursor``) stays one index range scan however deep one pages.
    """
    events, actions = _search(user=user, filters=filters)
    return events if actions is None else events.filter(action__in=actions)


def _one_action(events: QuerySet[AuditEvent], action: str) -> QuerySet[AuditEvent]:
    """``events.filter(action=action)`` in the page's order, read from the action index.

    With ``action = %s`` PostgreSQL treats the action as settled and may serve the order from
    the ``occurred_at`` index instead, stepping back from the newest event and skipping every
    other action's: cheap while the action is frequent among recent events, 400 ms at national
    scale right after an import had written 100,000 newer events of other actions. Written as
    the one-value range ``action >= %s AND action <= %s``, ordered by the action too, only the
    (action, occurred_at, id) index gives that order, whatever the most recent events are.
    """
    return events.filter(action__gte=action, action__lte=action).order_by(
        "-action", "-occurred_at", "-id"
    )


def event_page(*, user, filters: EventFilters, size: int = PAGE_SIZE):
    """One page and the cursor of the next one (None on the last page).

    The same events as ``event_search(...)[:size + 1]``, found in two steps: the ids first,
    which the (action|actor_username, occurred_at, id) indexes give in order from the index
    alone, then those rows. Asked for whole rows at once, PostgreSQL walks the occurred_at
    index instead and reads every newer event of other actions or people to find them (an
    import of 100,000 referrals put 400 ms in front of "case.view" at national scale). For an
    action prefix that several actions share, each action's first ids are taken on their own
    and merged.
    """
    events, actions = _search(user=user, filters=filters)
    if actions is None:
        ids = events.values("pk")[: size + 1]
    elif not actions:
        return [], None
    else:
        parts = [_one_action(events, action).values("pk")[: size + 1] for action in actions]
        ids = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = list(AuditEvent.objects.filter(pk__in=ids).order_by("-occurred_at", "-id")[: size + 1])
    following = encode_cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], following


def changes_shown_to(user, event: AuditEvent) -> dict[str, Any]:
    """What of ``changes`` this reader may see: values for supervisors, names for auditors."""
    if sees_values(user):
        return event.changes
    return dict.fromkeys(event.changes, "changed")

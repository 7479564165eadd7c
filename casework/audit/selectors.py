"""Who may read which part of the audit trail, and the searches over it.

Threat: the trail itself names cases, people and records; read freely it would leak what it is
meant to watch. Auditors see every event but no case content: the values in captured changes
are replaced by "changed" for them (an event names its record, it does not reveal it).
Supervisors see the events of their unit's cases, with values. Everyone else sees nothing, and
a case or person outside one's reach answers 404.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, F, Func, Q, QuerySet, Value
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from casework.accounts.choices import Role
from casework.core.errors import DomainError, NotFound

from .models import AuditCheckpoint, AuditEvent, AuditReview, AuditVerification

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
VIEW_BURST_COUNT = 30  # views by one person within ten minutes that deserve a look
WORKING_HOURS = (7, 19)  # UTC hours [start, end) counted as working hours


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
    from casework.cases.selectors import cases_visible_to

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
    from casework.cases.models import Case

    lookup = Q(number=case) | (Q(pk=int(case)) if case.isdigit() else Q(pk__in=[]))
    case_id = Case.objects.filter(lookup).values_list("pk", flat=True).first()
    if case_id is None:
        raise NotFound("No such case.")
    if not user.has_role(Role.AUDITOR):
        from casework.cases.selectors import cases_visible_to

        if not cases_visible_to(user).filter(pk=case_id).exists():
            raise NotFound("No such case.")
    return case_id


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        moment, _, pk = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("That page link is not valid any more.", field="cursor") from None


def encode_cursor(event: AuditEvent) -> str:
    token = f"{event.occurred_at.isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(token.encode()).decode()


def actions_starting(prefix: str) -> list[str]:
    """Every action the trail holds that starts with ``prefix``, in no particular order.

    The trail holds about a hundred distinct actions however long it is; this steps from one to
    the next through the action index (one index descent each) instead of reading events.
    Searching for each by equality then lets the (action, occurred_at, id) index hand the
    events over newest first; ``LIKE 'prefix%'`` cannot use that index outside the "C"
    collation, and would then wade through every newer event of other actions.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE actions(action) AS ("
            " SELECT min(action) FROM audit_auditevent"
            " UNION ALL SELECT (SELECT min(e.action) FROM audit_auditevent AS e"
            "  WHERE e.action > a.action) FROM actions AS a WHERE a.action IS NOT NULL)"
            " SELECT action FROM actions WHERE action IS NOT NULL"
        )
        # str.startswith is what LIKE 'prefix%' with the prefix escaped means.
        return [action for (action,) in cursor.fetchall() if action.startswith(prefix)]


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


# --- flags -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    kind: str
    title: str
    count: int
    link: dict[str, str]
    person: str = ""


def flags_for(*, user, since: datetime.datetime, until: datetime.datetime) -> list[Flag]:
    """Things worth a look in [since, until), each with the filters that show its events."""
    events = events_visible_to(user).filter(occurred_at__gte=since, occurred_at__lt=until)
    window = {"since": since.isoformat(), "until": until.isoformat()}
    flags: list[Flag] = []
    # Views by someone outside the case team and the unit's supervisors (a granted
    # administrator, a colleague given access): the app that records the view marks them
    # ``outside_team``. A stated reason alone says nothing: every victim-record view has one.
    for row in (
        events.filter(action__endswith=".view", details__outside_team=True)
        .values("actor_username")
        .annotate(count=Count("id"))
        .order_by("-count")[:20]
    ):
        flags.append(
            Flag(
                "outside_assignment",
                "Views by someone outside the case team",
                row["count"],
                {**window, "person": row["actor_username"], "action": ""},
                row["actor_username"],
            )
        )
    bursts = (
        events.filter(action__endswith=".view")
        .annotate(
            bucket=Func(
                Value(datetime.timedelta(minutes=10)),
                F("occurred_at"),
                Value(datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
                function="date_bin",
                output_field=DateTimeField(),
            )
        )
        .values("actor_username", "bucket")
        .annotate(count=Count("id"))
        .filter(count__gte=VIEW_BURST_COUNT)
        .order_by("-count")[:20]
    )
    for row in bursts:
        flags.append(
            Flag(
                "many_views",
                f"Many views in ten minutes ({VIEW_BURST_COUNT} or more)",
                row["count"],
                {
                    "since": row["bucket"].isoformat(),
                    "until": (row["bucket"] + datetime.timedelta(minutes=10)).isoformat(),
                    "person": row["actor_username"],
                    "action": "",
                },
                row["actor_username"],
            )
        )
    start, end = WORKING_HOURS
    out_of_hours = (
        events.exclude(actor_username="")
        .annotate(hour=ExtractHour("occurred_at"), weekday=ExtractIsoWeekDay("occurred_at"))
        .filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
        .values("actor_username")
        .annotate(count=Count("id"))
        .order_by("-count")[:20]
    )
    for row in out_of_hours:
        flags.append(
            Flag(
                "out_of_hours",
                "Activity outside working hours",
                row["count"],
                {**window, "person": row["actor_username"]},
                row["actor_username"],
            )
        )
    for action, title, kind in (
        ("auth.sign_in_failed", "Failed sign-ins", "failed_sign_in"),
        ("auth.lock_out", "Accounts locked out", "lock_out"),
    ):
        count = events.filter(action=action).count()
        if count:
            flags.append(Flag(kind, title, count, {**window, "action": action}))
    exports = events.filter(action__contains="export").count()
    if exports:
        flags.append(Flag("exports", "Exports", exports, {**window, "action": ""}))
    return flags


# --- status ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerStatus:
    tree_size: int
    last_sealed_at: datetime.datetime | None
    last_signed_at: datetime.datetime | None
    oldest_unsealed_at: datetime.datetime | None
    unsealed: int
    last_verification: AuditVerification | None
    alert_after_seconds: int

    @property
    def behind(self) -> bool:
        if self.oldest_unsealed_at is None:
            return False
        age = (timezone.now() - self.oldest_unsealed_at).total_seconds()
        return age > self.alert_after_seconds


def ledger_status() -> LedgerStatus:
    from . import conf

    last = AuditCheckpoint.objects.order_by("-id").first()
    signed = AuditCheckpoint.objects.exclude(signed_note="").order_by("-id").first()
    with connection.cursor() as cursor:
        # Only events at or above the last horizon can be unsealed: one short index range.
        cursor.execute(
            "SELECT min(e.occurred_at), count(*) FROM audit_auditevent AS e"
            " WHERE e.txid >= %s::text::xid8"
            " AND NOT EXISTS (SELECT 1 FROM audit_auditseal AS s WHERE s.event_id = e.id)",
            [last.sealed_below if last else 0],
        )
        oldest, unsealed = cursor.fetchone()
    return LedgerStatus(
        tree_size=last.tree_size if last else 0,
        last_sealed_at=last.created_at if last else None,
        last_signed_at=signed.created_at if signed else None,
        oldest_unsealed_at=oldest,
        unsealed=unsealed,
        last_verification=AuditVerification.objects.order_by("-ran_at", "-id").first(),
        alert_after_seconds=conf.seal_alert_seconds(),
    )


def reviews_visible_to(user) -> QuerySet[AuditReview]:
    if not can_read_trail(user):
        return AuditReview.objects.none()
    if user.has_role(Role.AUDITOR):
        return AuditReview.objects.select_related("reviewer", "unit")
    return AuditReview.objects.filter(unit_id=user.unit_id).select_related("reviewer", "unit")

"""The week's flags over the audit trail: things worth a look, each linked to its events.

Read through ``trail.events_visible_to``, so a supervisor's flags count only their unit's cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, DateTimeField, F, Func, Q, QuerySet, Value
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay

from casework.audit.models import AuditEvent

from .trail import events_visible_to

VIEW_BURST_COUNT = 30  # views by one person within ten minutes that deserve a look
WORKING_HOURS = (7, 19)  # UTC hours [start, end) counted as working hours


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
    return [
        *_views_outside_the_team(events, window),
        *_bursts_of_views(events),
        *_out_of_hours(events, window),
        *_counted(events, window),
    ]


def _views_outside_the_team(events: QuerySet[AuditEvent], window: dict) -> list[Flag]:
    # Views by someone outside the case team and the unit's supervisors (a granted
    # administrator, a colleague given access): the app that records the view marks them
    # ``outside_team``. A stated reason alone says nothing: every victim-record view has one.
    rows = (
        events.filter(action__endswith=".view", details__outside_team=True)
        .values("actor_username")
        .annotate(count=Count("id"))
        .order_by("-count")[:20]
    )
    return [
        Flag(
            "outside_assignment",
            "Views by someone outside the case team",
            row["count"],
            {**window, "person": row["actor_username"], "action": ""},
            row["actor_username"],
        )
        for row in rows
    ]


def _bursts_of_views(events: QuerySet[AuditEvent]) -> list[Flag]:
    rows = (
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
    return [
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
        for row in rows
    ]


def _out_of_hours(events: QuerySet[AuditEvent], window: dict) -> list[Flag]:
    start, end = WORKING_HOURS
    rows = (
        events.exclude(actor_username="")
        .annotate(hour=ExtractHour("occurred_at"), weekday=ExtractIsoWeekDay("occurred_at"))
        .filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
        .values("actor_username")
        .annotate(count=Count("id"))
        .order_by("-count")[:20]
    )
    return [
        Flag(
            "out_of_hours",
            "Activity outside working hours",
            row["count"],
            {**window, "person": row["actor_username"]},
            row["actor_username"],
        )
        for row in rows
    ]


def _counted(events: QuerySet[AuditEvent], window: dict) -> list[Flag]:
    """Failed sign-ins, lock-outs and exports: worth a look whenever there are any."""
    flags = []
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

"""The figures on the unit dashboard and in the period reports.

Each function runs one or two aggregate queries over the records its scope allows (and one more
to name the people it counted) and returns rows of counts and measures; none iterates over
records. Rows are counted with ``CountRows`` (``COUNT(*)``), not ``COUNT(id)``: the id is in no
covering index, and asking for it turns an index-only scan into a read of the table.
Definitions are written for the reader of a report who never saw the software: what is
counted, from which date, over which period.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, Min, Q
from django.db.models.functions import TruncMonth, TruncWeek

from casework.accounts.models import User

from .registry import (
    LABEL,
    MEASURE,
    SHARE,
    Chart,
    Column,
    Link,
    Scope,
    Table,
    figure,
    list_link,
)
from .sql import (
    DAY,
    HOUR,
    CountRows,
    Percentile,
    month_starts,
    seconds_between,
    seconds_since,
    week_starts,
    with_total,
)

_ONE_DAY = timedelta(days=1)
# Ranked tables (per person, per agency) show this many rows on the dashboard: a national
# unit's team, not the thousand investigators of every unit at once.
PAGE_ROWS = 50


def _period(scope: Scope, field: str) -> Q:
    return Q(**{f"{field}__gte": scope.start, f"{field}__lt": scope.end})


def _links(scope: Scope, *candidates: Link | None) -> list[Link]:
    # The administrators' view is aggregate only: no way into records from it.
    if scope.aggregate_only:
        return []
    return [link for link in candidates if link is not None]


def _first_link(label: str, url_names: tuple[str, ...], **query) -> Link | None:
    for name in url_names:
        link = list_link(label, name, **query)
        if link is not None:
            return link
    return None


def _week_label(day: date) -> str:
    return f"{day:%d %b %Y}"


def _month_label(day: date) -> str:
    return f"{day:%b %Y}"


def _bucket(value, scope: Scope) -> date | None:
    return value.astimezone(scope.zone).date() if value is not None else None


def _names(ids: set[int | None]) -> dict[int, str]:
    """The display names of these users, in one query.

    The per-person figures count per user id and name the people afterwards: grouped by the
    names as well, PostgreSQL misjudges the number of groups and hashes (or sorts, on disk)
    wider rows for a thousand investigators.
    """
    users = User.objects.filter(pk__in=ids - {None}).values(
        "id", "username", "first_name", "last_name"
    )
    return {
        user["id"]: f"{user['first_name']} {user['last_name']}".strip() or user["username"]
        for user in users
    }


def _hours(seconds: float | None) -> float | None:
    return round(seconds / HOUR, 1) if seconds is not None else None


def _days(seconds: float | None) -> float | None:
    return round(seconds / DAY, 1) if seconds is not None else None


# --- referrals ---------------------------------------------------------------------------------


def _referral_links(scope: Scope, **query) -> list[Link]:
    return _links(
        scope,
        _first_link(
            "Referrals behind this figure",
            ("referrals:queue",),
            **query,
        ),
    )


@figure(
    key="referrals_weekly",
    title="Referrals received and triaged per week",
    definition="""Referrals received per week (by the time they arrived), broken down by source and
    by our priority, and referrals whose triage ended per week (accepted into a case, declined
    or referred out; by the time triage ended). Weeks start on Monday in the unit's time zone.
    A second arrival of the same report is not counted again.""",
    sources=("referrals.Referral.triaged_at",),
    chart=Chart("line", "week", ("received", "triaged"), "Week starting", "Referrals"),
    order=10,
    links=lambda scope: _referral_links(scope, status="all"),
)
def referrals_weekly(scope: Scope) -> Table:
    from casework.cases.choices import Priority
    from casework.referrals.choices import SourceKind
    from casework.referrals.models import Referral

    visible = Referral.objects.filter(scope.referrals())
    # One count per (week, source, priority), added up here: a year of a national unit is half
    # a million referrals, and COUNT(*) over these columns alone is an index-only scan of
    # referral_unit_received_idx, where a filtered count per column would read every row.
    received = (
        visible.filter(_period(scope, "received_at"))
        .annotate(week=TruncWeek("received_at", tzinfo=scope.zone))
        .values("week", "source_kind", "priority")
        .annotate(count=CountRows())
        .order_by()
    )
    triaged = (
        visible.filter(_period(scope, "triaged_at"))
        .annotate(week=TruncWeek("triaged_at", tzinfo=scope.zone))
        .values("week")
        .annotate(triaged=CountRows())
        .order_by()
    )
    by_week: dict[date, dict] = {}
    for row in received:
        week = by_week.setdefault(_bucket(row["week"], scope), {})
        for key in ("received", f"source_{row['source_kind']}", f"priority_{row['priority']}"):
            week[key] = week.get(key, 0) + row["count"]
    for row in triaged:
        by_week.setdefault(_bucket(row.pop("week"), scope), {}).update(row)
    columns = [
        Column("week", "Week starting", LABEL),
        Column("received", "Received"),
        Column("triaged", "Triaged"),
        *(Column(f"source_{k}", f"From {label.lower()}") for k, label in SourceKind.choices),
        *(Column(f"priority_{p}", f"Priority {p}") for p in Priority.values),
    ]
    rows = []
    for week in week_starts(scope.first_day, scope.last_day):
        values = by_week.get(week, {})
        rows.append(
            {"week": _week_label(week)}
            | {column.key: values.get(column.key, 0) for column in columns[1:]}
        )
    return Table(columns, rows)


@figure(
    key="triage_time",
    title="Time to triage against the clock",
    definition="""For referrals whose triage ended in the period: the hours from arrival to the end
    of triage, as the median and the 90th percentile, and the share that ended within the
    triage clock set by the referral's priority (the due time on the referral).""",
    sources=("referrals.Referral.triage_due_at",),
    chart=Chart("bar", "priority", ("median_hours", "p90_hours"), "Priority", "Hours"),
    order=20,
    links=lambda scope: _referral_links(scope, status="all"),
)
def triage_time(scope: Scope) -> Table:
    from casework.cases.choices import Priority
    from casework.referrals.models import Referral

    triaged = Referral.objects.filter(
        scope.referrals(), _period(scope, "triaged_at"), triaged_at__isnull=False
    )
    duration = "EXTRACT(EPOCH FROM (triaged_at - received_at))"
    grouped, overall = with_total(
        triaged.values("priority", "received_at", "triaged_at", "triage_due_at"),
        "priority",
        {
            "triaged": "COUNT(*)",
            "median": f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {duration})",
            "p90": f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {duration})",
            "within": "COUNT(*) FILTER (WHERE triaged_at <= triage_due_at)",
        },
    )
    rows = []
    for level, label in [*Priority.choices, ("", "All priorities")]:
        row = overall if level == "" else grouped.get(level, {})
        count = row.get("triaged") or 0
        rows.append(
            {
                "priority": label if level == "" else level,
                "triaged": count,
                "median_hours": _hours(row.get("median")),
                "p90_hours": _hours(row.get("p90")),
                "within": row.get("within") or 0,
                "within_share": (row.get("within") or 0) / count if count else None,
            }
        )
    columns = [
        Column("priority", "Priority", LABEL),
        Column("triaged", "Triaged"),
        Column("median_hours", "Median (hours)", MEASURE, base="triaged"),
        Column("p90_hours", "90th percentile (hours)", MEASURE, base="triaged"),
        Column("within", "Within the clock"),
        Column("within_share", "Share within the clock", SHARE, base="triaged"),
    ]
    return Table(columns, rows)


BACKLOG_BUCKETS = (
    ("Under 1 day", 0, 1),
    ("1–3 days", 1, 3),
    ("3–7 days", 3, 7),
    ("7–30 days", 7, 30),
    ("Over 30 days", 30, None),
)


@figure(
    key="backlog_age",
    title="Triage backlog by age",
    definition="""Referrals still waiting for triage (new or in triage) at the time shown, by how
    long ago they arrived, and how many of them are past their triage clock. The backlog is
    measured now, whatever the period.""",
    sources=("referrals.Referral",),
    chart=Chart("bar", "age", ("waiting", "past_clock"), "Time since arrival", "Referrals waiting"),
    order=30,
    links=lambda scope: _referral_links(scope, status="open"),
)
def backlog_age(scope: Scope) -> Table:
    from casework.referrals.choices import OPEN_STATUSES
    from casework.referrals.models import Referral

    now = scope.now
    waiting = Referral.objects.filter(
        scope.referrals(), status__in=sorted(OPEN_STATUSES), received_at__lte=now
    )
    measures = {}
    for index, (_, low, high) in enumerate(BACKLOG_BUCKETS):
        condition = Q(received_at__lte=now - low * _ONE_DAY)
        if high is not None:
            condition &= Q(received_at__gt=now - high * _ONE_DAY)
        measures[f"waiting_{index}"] = CountRows(filter=condition)
        measures[f"late_{index}"] = CountRows(filter=condition & Q(triage_due_at__lt=now))
    totals = waiting.aggregate(**measures)
    rows = [
        {"age": label, "waiting": totals[f"waiting_{i}"], "past_clock": totals[f"late_{i}"]}
        for i, (label, _, _) in enumerate(BACKLOG_BUCKETS)
    ]
    columns = [
        Column("age", "Time since arrival", LABEL),
        Column("waiting", "Waiting for triage"),
        Column("past_clock", "Of which past the clock"),
    ]
    return Table(columns, rows)


# --- cases -------------------------------------------------------------------------------------


def _case_links(scope: Scope, **query) -> list[Link]:
    return _links(
        scope, _first_link("Cases behind this figure", ("cases:unit", "cases:list"), **query)
    )


@figure(
    key="caseload",
    title="Caseload per investigator",
    definition="""Cases not closed (open, active or suspended) at the time shown, per person: the
    cases they lead and the cases they are assigned to besides. A person appears once with both
    numbers; the caseload is measured now, whatever the period.""",
    sources=("cases.Case", "cases.CaseAssignment"),
    chart=Chart("bar", "person", ("led", "assigned"), "Investigator", "Open cases", stacked=True),
    order=40,
    page_rows=PAGE_ROWS,
    links=lambda scope: _case_links(scope, status="open"),
)
def caseload(scope: Scope) -> Table:
    from casework.cases.choices import CaseStatus
    from casework.cases.models import Case, CaseAssignment

    # Counted per person id, then named (see _names).
    led = list(
        Case.objects.filter(scope.cases())
        .exclude(status=CaseStatus.CLOSED)
        .values("lead_id")
        .annotate(led=CountRows(), led_p1=CountRows(filter=Q(priority="P1")))
        .order_by()
    )
    assigned = list(
        CaseAssignment.objects.filter(scope.cases("case__"))
        .exclude(case__status=CaseStatus.CLOSED)
        .values("user_id")
        .annotate(assigned=CountRows())
        .order_by()
    )
    names = _names({row["lead_id"] for row in led} | {row["user_id"] for row in assigned})
    people: dict[int, dict] = {}
    for row in led:
        people[row["lead_id"]] = {
            "person": names.get(row["lead_id"], "No owner"),
            "led": row["led"],
            "led_p1": row["led_p1"],
            "assigned": 0,
        }
    for row in assigned:
        entry = people.setdefault(
            row["user_id"],
            {"person": names.get(row["user_id"], "No owner"), "led": 0, "led_p1": 0, "assigned": 0},
        )
        entry["assigned"] = row["assigned"]
    rows = sorted(
        ({**row, "total": row["led"] + row["assigned"]} for row in people.values()),
        key=lambda row: (-row["total"], row["person"]),
    )
    columns = [
        Column("person", "Investigator", LABEL),
        Column("led", "Leading"),
        Column("led_p1", "Of which P1"),
        Column("assigned", "Assigned"),
        Column("total", "Total"),
    ]
    return Table(columns, rows)


@figure(
    key="case_outcomes",
    title="Case outcomes",
    definition="""Cases closed in the period (closure approved by a supervisor), by the outcome
    recorded at closure, with the median number of days from opening to closing.""",
    sources=("cases.Case.closure_outcome",),
    chart=Chart("bar", "outcome", ("closed",), "Outcome", "Cases closed"),
    order=100,
    links=lambda scope: _case_links(scope, status="closed"),
)
def case_outcomes(scope: Scope) -> Table:
    from casework.cases.choices import CaseStatus, ClosureOutcome
    from casework.cases.models import Case

    closed = (
        Case.objects.filter(scope.cases(), _period(scope, "closed_at"), status=CaseStatus.CLOSED)
        .values("closure_outcome")
        .annotate(
            closed=CountRows(),
            median=Percentile(seconds_between("closed_at", "opened_at"), 0.5),
        )
        .order_by()
    )
    by_outcome = {row["closure_outcome"]: row for row in closed}
    choices = list(ClosureOutcome.choices)
    if "" in by_outcome:
        choices.append(("", "Not recorded"))
    rows = [
        {
            "outcome": label,
            "closed": by_outcome.get(value, {}).get("closed", 0),
            "median_days": _days(by_outcome.get(value, {}).get("median")),
        }
        for value, label in choices
    ]
    columns = [
        Column("outcome", "Outcome", LABEL),
        Column("closed", "Cases closed"),
        Column("median_days", "Median days open", MEASURE, base="closed"),
    ]
    return Table(columns, rows)


@figure(
    key="victims",
    title="Victims identified and safeguarded",
    definition="""Victim records whose identification was recorded in the month, and victim
    records whose safeguarding was recorded in the month (the first time each was recorded), on
    the unit's cases; with how many of those identified carry an ICSE reference. Counts only:
    no victim record is shown here.""",
    sources=("cases.VictimRecord.safeguarded_at",),
    chart=Chart("bar", "month", ("identified", "safeguarded"), "Month", "Victims"),
    order=90,
)
def victims(scope: Scope) -> Table:
    from casework.cases.models import VictimRecord

    visible = VictimRecord.objects.filter(scope.victims())
    identified = (
        visible.filter(_period(scope, "identified_at"))
        .annotate(month=TruncMonth("identified_at", tzinfo=scope.zone))
        .values("month")
        .annotate(
            identified=CountRows(),
            # An encrypted reference is NULL when empty: countable without the key.
            with_icse=CountRows(filter=Q(icse_reference_ct__isnull=False)),
        )
        .order_by()
    )
    safeguarded = (
        visible.filter(_period(scope, "safeguarded_at"))
        .annotate(month=TruncMonth("safeguarded_at", tzinfo=scope.zone))
        .values("month")
        .annotate(safeguarded=CountRows())
        .order_by()
    )
    by_month: dict[date, dict] = {}
    for row in [*identified, *safeguarded]:
        by_month.setdefault(_bucket(row.pop("month"), scope), {}).update(row)
    rows = [
        {
            "month": _month_label(month),
            "identified": by_month.get(month, {}).get("identified", 0),
            "with_icse": by_month.get(month, {}).get("with_icse", 0),
            "safeguarded": by_month.get(month, {}).get("safeguarded", 0),
        }
        for month in month_starts(scope.first_day, scope.last_day)
    ]
    columns = [
        Column("month", "Month", LABEL),
        Column("identified", "Identified"),
        Column("with_icse", "Identified with an ICSE reference"),
        Column("safeguarded", "Safeguarded"),
    ]
    return Table(columns, rows)


# --- deadlines ---------------------------------------------------------------------------------


def _deadline_links(scope: Scope, **query) -> list[Link]:
    return _links(
        scope,
        _first_link(
            "Deadlines behind this figure",
            ("deadlines:board",),
            **query,
        ),
    )


@figure(
    key="deadline_outcomes",
    title="Deadlines met, missed and waived",
    definition="""Deadlines whose due time fell in the period, by kind and by what became of them:
    met by the due time, met late, missed (still not met after the due time), waived (no longer
    applying, with a reason), extended (replaced by a later deadline, counted under its own due
    time) or still open (due later today or not yet swept).""",
    sources=("deadlines.Deadline",),
    chart=Chart(
        "bar",
        "kind",
        ("met", "met_late", "missed", "waived"),
        "Kind of deadline",
        "Deadlines",
        stacked=True,
    ),
    order=50,
    links=lambda scope: _deadline_links(scope),
)
def deadline_outcomes(scope: Scope) -> Table:
    from casework.deadlines.choices import DeadlineKind, DeadlineState
    from casework.deadlines.models import Deadline

    now = scope.now
    grouped = (
        Deadline.objects.filter(scope.deadlines(), _period(scope, "due_at"))
        .values("kind")
        .annotate(
            due=CountRows(),
            met=CountRows(filter=Q(state=DeadlineState.MET, closed_at__lte=F("due_at"))),
            met_late=CountRows(filter=Q(state=DeadlineState.MET, closed_at__gt=F("due_at"))),
            missed=CountRows(
                filter=Q(state=DeadlineState.MISSED) | Q(state=DeadlineState.OPEN, due_at__lt=now),
            ),
            waived=CountRows(filter=Q(state=DeadlineState.WAIVED)),
            extended=CountRows(filter=Q(state=DeadlineState.EXTENDED)),
            still_open=CountRows(filter=Q(state=DeadlineState.OPEN, due_at__gte=now)),
        )
        .order_by()
    )
    by_kind = {row["kind"]: row for row in grouped}
    keys = ("due", "met", "met_late", "missed", "waived", "extended", "still_open")
    rows = [
        {"kind": label, **{key: by_kind[value][key] for key in keys}}
        for value, label in DeadlineKind.choices
        if value in by_kind
    ]
    if rows:
        rows.append({"kind": "All kinds", **{key: sum(r[key] for r in rows) for key in keys}})
    columns = [
        Column("kind", "Kind of deadline", LABEL),
        Column("due", "Due in the period"),
        Column("met", "Met on time"),
        Column("met_late", "Met late"),
        Column("missed", "Missed"),
        Column("waived", "Waived"),
        Column("extended", "Extended"),
        Column("still_open", "Still open"),
    ]
    return Table(columns, rows, note="" if rows else "No deadline fell due in the period.")


@figure(
    key="overdue_by_person",
    title="Overdue work by person",
    definition="""Work past its due time and not done, at the time shown, per person: deadlines
    still open or missed (by the deadline's owner; "No owner" for clocks nobody holds yet, such
    as untriaged referrals) and case tasks not done (by assignee). Measured now, whatever the
    period.""",
    sources=("deadlines.Deadline",),
    chart=Chart("bar", "person", ("deadlines", "tasks"), "Person", "Overdue items", stacked=True),
    order=60,
    page_rows=PAGE_ROWS,
    links=lambda scope: _deadline_links(scope),
)
def overdue_by_person(scope: Scope) -> Table:
    from django.apps import apps

    from casework.deadlines.choices import ACTIVE_STATES
    from casework.deadlines.models import Deadline

    now = scope.now
    # Counted per person id, then named (see _names).
    deadlines = (
        Deadline.objects.filter(scope.deadlines(), state__in=list(ACTIVE_STATES), due_at__lt=now)
        .values("owner_id")
        .annotate(count=CountRows(), oldest=Min("due_at"))
        .order_by()
    )
    try:
        task_model = apps.get_model("cases", "CaseTask")
    except LookupError:  # pragma: no cover - cases without tasks
        task_model = None
    tasks = []
    if task_model is not None:
        tasks = (
            task_model.objects.filter(scope.cases("case__"), done_at__isnull=True, due_at__lt=now)
            .values(owner_id=F("assignee_id"))
            .annotate(count=CountRows(), oldest=Min("due_at"))
            .order_by()
        )
    counted = {"deadlines": list(deadlines), "tasks": list(tasks)}
    names = _names({row["owner_id"] for rows in counted.values() for row in rows})
    people: dict[int | None, dict] = {}
    for kind, rows in counted.items():
        for row in rows:
            entry = people.setdefault(
                row["owner_id"],
                {
                    "person": names.get(row["owner_id"], "No owner"),
                    "deadlines": 0,
                    "tasks": 0,
                    "oldest_days": 0,
                },
            )
            entry[kind] = row["count"]
            days = _days((now - row["oldest"]).total_seconds())
            entry["oldest_days"] = max(entry["oldest_days"] or 0, days or 0)
    rows = sorted(
        ({**row, "total": row["deadlines"] + row["tasks"]} for row in people.values()),
        key=lambda row: (-row["total"], row["person"]),
    )
    columns = [
        Column("person", "Person", LABEL),
        Column("deadlines", "Overdue deadlines"),
        Column("tasks", "Overdue tasks"),
        Column("total", "Total"),
        Column("oldest_days", "Oldest (days overdue)", MEASURE, base="total"),
    ]
    return Table(columns, rows, note="" if rows else "Nothing is overdue.")


# --- partners ----------------------------------------------------------------------------------


@figure(
    key="partner_requests",
    title="Open requests by partner",
    definition="""Requests to partner agencies sent and not yet fully answered (sent, acknowledged
    or partially answered) at the time shown, per agency, by how long ago they were sent; and
    each agency's median response time: days from sending to the first answer, over requests
    first answered in the period.""",
    sources=("partners.PartnerRequest.answered_at",),
    chart=Chart(
        "bar",
        "agency",
        ("open_under_week", "open_week_month", "open_over_month"),
        "Agency",
        "Open requests",
        stacked=True,
    ),
    order=70,
    page_rows=PAGE_ROWS,
    links=lambda scope: _links(
        scope, _first_link("Requests behind this figure", ("partners:supervision",))
    ),
)
def partner_requests(scope: Scope) -> Table:
    from casework.partners.choices import OPEN_STATUSES
    from casework.partners.models import PartnerRequest

    now = scope.now
    visible = PartnerRequest.objects.filter(scope.partner_requests())
    week_ago = now - 7 * _ONE_DAY
    month_ago = now - 30 * _ONE_DAY
    open_rows = (
        visible.filter(status__in=sorted(OPEN_STATUSES), sent_at__isnull=False)
        .values("agency_id", "agency__name", "agency__country")
        .annotate(
            open=CountRows(),
            open_under_week=CountRows(filter=Q(sent_at__gt=week_ago)),
            open_week_month=CountRows(filter=Q(sent_at__lte=week_ago, sent_at__gt=month_ago)),
            open_over_month=CountRows(filter=Q(sent_at__lte=month_ago)),
            median_age=Percentile(seconds_since(now, "sent_at"), 0.5),
            oldest=Min("sent_at"),
        )
        .order_by()
    )
    answered_rows = (
        visible.filter(_period(scope, "answered_at"), sent_at__isnull=False)
        .values("agency_id", "agency__name", "agency__country")
        .annotate(
            answered=CountRows(),
            median_response=Percentile(seconds_between("answered_at", "sent_at"), 0.5),
        )
        .order_by()
    )
    agencies: dict[int, dict] = {}
    blank = {
        "open": 0,
        "open_under_week": 0,
        "open_week_month": 0,
        "open_over_month": 0,
        "median_age_days": None,
        "oldest_days": None,
        "answered": 0,
        "median_response_days": None,
    }
    for row in open_rows:
        agencies[row["agency_id"]] = {
            **blank,
            "agency": f"{row['agency__name']} ({row['agency__country']})",
            **{k: row[k] for k in ("open", "open_under_week", "open_week_month")},
            "open_over_month": row["open_over_month"],
            "median_age_days": _days(row["median_age"]),
            "oldest_days": _days((now - row["oldest"]).total_seconds()),
        }
    for row in answered_rows:
        entry = agencies.setdefault(
            row["agency_id"],
            {**blank, "agency": f"{row['agency__name']} ({row['agency__country']})"},
        )
        entry["answered"] = row["answered"]
        entry["median_response_days"] = _days(row["median_response"])
    rows = sorted(agencies.values(), key=lambda row: (-(row["oldest_days"] or -1), row["agency"]))
    columns = [
        Column("agency", "Agency", LABEL),
        Column("open", "Open requests"),
        Column("open_under_week", "Sent under 7 days ago"),
        Column("open_week_month", "7–30 days ago"),
        Column("open_over_month", "Over 30 days ago"),
        Column("median_age_days", "Median age (days)", MEASURE, base="open"),
        Column("oldest_days", "Oldest (days)", MEASURE, base="open"),
        Column("answered", "Answered in the period"),
        Column("median_response_days", "Median response (days)", MEASURE, base="answered"),
    ]
    return Table(columns, rows, note="" if rows else "No open or answered requests.")


# --- custody -----------------------------------------------------------------------------------


@figure(
    key="seizure_to_submission",
    title="Time from seizure to national database / ICSE submission",
    definition="""Evidence items by month: items seized in the month and how many of those are still
    not submitted to the national database / ICSE; items submitted in the month, with the median
    and 90th percentile of days from seizure to submission (the first submission recorded in
    the item's chain of custody).""",
    sources=("custody.EvidenceItem.submitted_at",),
    chart=Chart(
        "line", "month", ("median_days", "p90_days"), "Month of submission", "Days from seizure"
    ),
    order=80,
    links=lambda scope: _links(
        scope, _first_link("Evidence items behind this figure", ("custody:items",))
    ),
)
def seizure_to_submission(scope: Scope) -> Table:
    from casework.custody.models import EvidenceItem

    visible = EvidenceItem.objects.filter(scope.evidence())
    seized = (
        visible.filter(_period(scope, "seized_at"))
        .annotate(month=TruncMonth("seized_at", tzinfo=scope.zone))
        .values("month")
        .annotate(seized=CountRows(), awaiting=CountRows(filter=Q(submitted_at__isnull=True)))
        .order_by()
    )
    duration = seconds_between("submitted_at", "seized_at")
    submitted = (
        visible.filter(_period(scope, "submitted_at"))
        .annotate(month=TruncMonth("submitted_at", tzinfo=scope.zone))
        .values("month")
        .annotate(
            submitted=CountRows(),
            median=Percentile(duration, 0.5),
            p90=Percentile(duration, 0.9),
        )
        .order_by()
    )
    by_month: dict[date, dict] = {}
    for row in [*seized, *submitted]:
        by_month.setdefault(_bucket(row.pop("month"), scope), {}).update(row)
    rows = []
    for month in month_starts(scope.first_day, scope.last_day):
        values = by_month.get(month, {})
        rows.append(
            {
                "month": _month_label(month),
                "seized": values.get("seized", 0),
                "awaiting": values.get("awaiting", 0),
                "submitted": values.get("submitted", 0),
                "median_days": _days(values.get("median")),
                "p90_days": _days(values.get("p90")),
            }
        )
    columns = [
        Column("month", "Month", LABEL),
        Column("seized", "Items seized"),
        Column("awaiting", "Of those, not yet submitted"),
        Column("submitted", "Items submitted"),
        Column("median_days", "Median days to submission", MEASURE, base="submitted"),
        Column("p90_days", "90th percentile (days)", MEASURE, base="submitted"),
    ]
    return Table(columns, rows)


@figure(
    key="checklist_outcomes",
    title="Case template checklists: done, late, skipped",
    definition="""Checklist items of the cases opened in the period from a case template, per
    template and item: done on time (ticked by a person, or by the system when the record that
    proves it was written, no later than the item's due time), done late (after it), skipped
    (marked not applicable with a reason, or left open on a case that was closed), and still
    open (with how many of those are overdue). A template changed since keeps its items
    apart, by their wording.""",
    sources=("case_templates.ChecklistItem.state",),
    chart=Chart(
        "bar", "item", ("done", "late", "skipped"), "Checklist item", "Cases", stacked=True
    ),
    order=110,
    page_rows=PAGE_ROWS,
)
def checklist_outcomes(scope: Scope) -> Table:
    from casework.case_templates.models import ChecklistItem
    from casework.case_templates.selectors import checklist_outcomes as outcomes

    items = ChecklistItem.objects.filter(
        scope.cases(prefix="case__"), _period(scope, "case__opened_at")
    )
    rows = [
        {
            "template": row["template__name"],
            "item": row["statement"],
            "total": row["total"],
            "done": row["done"],
            "late": row["late"],
            "skipped": row["skipped"],
            "open": row["open"],
            "overdue": row["overdue"],
        }
        for row in outcomes(items=items, now=scope.as_of)
    ]
    columns = [
        Column("template", "Template", LABEL),
        Column("item", "Checklist item", LABEL),
        Column("total", "Cases"),
        Column("done", "Done on time"),
        Column("late", "Done late"),
        Column("skipped", "Skipped"),
        Column("open", "Still open"),
        Column("overdue", "Of those, overdue"),
    ]
    return Table(columns, rows)

"""Finding the rule for a kind of clock, and reckoning a due time from it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from casework.cases.choices import Priority

from .choices import DayCount, DeadlineKind
from .clock import compute_due, default_zone, holiday_calendar
from .models import DeadlineRule


def rule_for(*, kind: str, jurisdiction: str = "", priority: str = "") -> DeadlineRule | None:
    """The active rule for ``kind``: the deadline's jurisdiction first (``US-NY``, then ``US``),
    then the unit's own policy (blank jurisdiction), then any rule of the kind; for a given
    priority, a rule of that priority before one for all priorities."""
    candidates = list(DeadlineRule.objects.filter(kind=kind, active=True).order_by("id"))
    if not candidates:
        return None
    code = jurisdiction.upper()
    scopes = [code, code.partition("-")[0], ""] if code else [""]

    def rank(rule: DeadlineRule) -> tuple[int, int, int]:
        scope = rule.jurisdiction.upper()
        scope_rank = scopes.index(scope) if scope in scopes else 9
        priority_rank = 0 if rule.priority == priority else (1 if not rule.priority else 9)
        return (priority_rank, scope_rank, rule.pk)

    best = min(candidates, key=rank)
    return best if rank(best)[0] < 9 else None


def holiday_code_for(*, rule: DeadlineRule | None, jurisdiction: str) -> str:
    """Whose public holidays count: the deadline's own jurisdiction when the holidays package
    knows it, else the rule's calendar; blank means weekends only."""
    if jurisdiction and holiday_calendar(jurisdiction) is not None:
        return jurisdiction
    return rule.holiday_country if rule else ""


def due_from_rule(
    *,
    rule: DeadlineRule,
    starts_at: datetime,
    zone: ZoneInfo,
    jurisdiction: str,
    months: int | None = None,
    days: int | None = None,
) -> datetime:
    return compute_due(
        starts_at=starts_at,
        zone=zone,
        months=rule.duration_months if months is None else months,
        days=rule.duration_days if days is None else days,
        hours=rule.duration_hours if months is None and days is None else 0,
        business_days=rule.day_count == DayCount.BUSINESS,
        end_of_day=rule.end_of_day,
        roll_to_business_day=rule.roll_to_business_day,
        holiday_code=holiday_code_for(rule=rule, jurisdiction=jurisdiction),
    )


def triage_clock(unit):
    """The referral triage rules as they stand now, read once, for ``casework.referrals.clocks``
    (the one source of a referral's ``triage_due_at``, web, API and import alike).

    Due times are reckoned as ``deadline_start`` reckons an ownerless clock (in the unit's zone);
    a priority whose rule is switched off (or has no duration) gets no clock."""
    _, zone = default_zone(None, unit)
    rules = {p: rule_for(kind=DeadlineKind.REFERRAL_TRIAGE, priority=p) for p in Priority.values}

    def due(received_at: datetime, priority: str) -> datetime | None:
        rule = rules.get(priority)
        if rule is None or rule.needs_due_at:
            return None
        return due_from_rule(rule=rule, starts_at=received_at, zone=zone, jurisdiction="")

    return due

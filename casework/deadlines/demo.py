"""Demo deadlines in every state on the demo cases and referrals (idempotent, synthetic).

Runs after the referrals and cases demos: it uses their open cases in the north and south units
(opening one synthetic case per unit through the cases service when there is none), and the
triage clocks that arriving referrals already started. Demo clocks are marked with
``source_type="demo"`` so a second run adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casework.accounts.models import User
from casework.cases import services as case_services
from casework.cases.models import Case

from . import services
from .choices import DeadlineKind
from .models import Deadline

DEMO_SOURCE = "demo"
DAY = timedelta(days=1)


def _case_for(lead: User) -> Case:
    case = (
        Case.objects.filter(unit=lead.unit, lead=lead)
        .exclude(status="closed")
        .order_by("opened_at", "id")
        .first()
    )
    if case is not None:
        return case
    return case_services.case_open(
        actor=lead, unit=lead.unit, title="Synthetic case for deadlines demo", lead=lead
    )


def _start(key: str, **kwargs) -> Deadline:
    return services.deadline_start(source_type=DEMO_SOURCE, source_id=key, **kwargs)


def seed(*, stdout) -> None:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["inv.north", "inv.south", "sup.north", "inv2.north"]
        )
    }
    if len(users) < 4:
        stdout.write("deadlines: demo users missing, skipped")
        return
    if Deadline.objects.filter(source_type=DEMO_SOURCE).exists():
        stdout.write("deadlines: demo deadlines already present")
        return
    north, south = users["inv.north"], users["inv.south"]
    north_case, south_case = _case_for(north), _case_for(south)
    now = timezone.now()
    _seed_open_north(north, north_case, now)
    _seed_closed_north(users, north_case, now)
    # The unit's weekly audit review, owned by its supervisor.
    _start(
        "audit-north",
        actor=users["sup.north"],
        kind=DeadlineKind.AUDIT_WEEKLY_REVIEW,
        unit=users["sup.north"].unit,
        owner=users["sup.north"],
    )
    _seed_south(south, south_case, now)
    # What the beat would do within a minute: mark the overdue ones missed and escalate.
    result = services.deadlines_sweep(now=now)
    stdout.write(
        f"deadlines: demo clocks in every state ({result.missed} missed, "
        f"{result.reminders} reminded)"
    )


def _seed_open_north(north: User, north_case: Case, now) -> None:
    """North's running clocks: due soon, in a renewal window, about to be missed."""
    # Open, due soon.
    _start(
        "court-north",
        actor=north,
        kind=DeadlineKind.COURT_DATE,
        case=north_case,
        due_at=(now + 5 * DAY).replace(hour=9, minute=30, second=0, microsecond=0),
        time_zone="Europe/London",
        note="Synthetic hearing 0001.",
    )
    # Open, in its renewal window (sent 80 days ago: expires in 10 days).
    _start(
        "preservation-us",
        actor=north,
        kind=DeadlineKind.PRESERVATION_US_2703F,
        case=north_case,
        starts_at=now - 80 * DAY,
        time_zone="America/New_York",
        jurisdiction="US",
        note="Preservation request to Example Online Provider (US), account user_8812.",
    )
    # Will be missed: an EU production order answer that ran out two days ago.
    _start(
        "epoc-de",
        actor=north,
        kind=DeadlineKind.EU_PRODUCTION_ORDER,
        case=north_case,
        starts_at=now - 12 * DAY,
        time_zone="Europe/Berlin",
        jurisdiction="DE",
    )


def _seed_closed_north(users: dict[str, User], north_case: Case, now) -> None:
    """North's closed clocks: met by hand, waived with its reason, extended."""
    north = users["inv.north"]
    met = _start(
        "process-met",
        actor=north,
        kind=DeadlineKind.LEGAL_PROCESS_RESPONSE,
        case=north_case,
        starts_at=now - 10 * DAY,
        owner=users["inv2.north"],
    )
    services.deadline_meet_by_hand(
        actor=users["inv2.north"], deadline=met, reason="Synthetic demo: answer sent."
    )
    waived = _start(
        "safeguarding-waived",
        actor=north,
        kind=DeadlineKind.SAFEGUARDING_REVIEW,
        case=north_case,
        starts_at=now - 3 * DAY,
    )
    services.deadline_waive(
        actor=users["sup.north"],
        deadline=waived,
        reason="Synthetic demo: covered by the case review of this week.",
    )
    # Extended: a Budapest Convention preservation renewed for another 90 days.
    budapest = _start(
        "budapest",
        actor=north,
        kind=DeadlineKind.BUDAPEST_PRESERVATION,
        case=north_case,
        starts_at=now - 85 * DAY,
        time_zone="Europe/London",
        jurisdiction="GB",
    )
    services.deadline_extend(
        actor=north, deadline=budapest, reason="Synthetic demo: awaiting the production order."
    )


def _seed_south(south: User, south_case: Case, now) -> None:
    """Something for the other unit (which north must never see)."""
    _start(
        "court-south",
        actor=south,
        kind=DeadlineKind.COURT_DATE,
        case=south_case,
        due_at=now + 9 * DAY,
        time_zone="Europe/Madrid",
    )
    _start(
        "icse-south",
        actor=south,
        kind=DeadlineKind.ICSE_SUBMISSION,
        case=south_case,
        starts_at=now - 25 * DAY,
        time_zone="Europe/Madrid",
        jurisdiction="ES",
    )

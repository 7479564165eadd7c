"""A year of synthetic history for both demo units, so that every oversight chart shows something.

Everything is created through the other apps' services (referrals, cases, deadlines through
their event handlers, partners, custody), never by writing their tables. Where a service takes
the time as an argument (a referral's arrival, a case's opening, a request sent or answered, a
seizure or a submission) the history passes a past time. Where a service stamps "now" itself
(the end of triage, a closure's approval, a victim's identification, a deadline met), the
history sets the clock of that service's module only, for that one call, with ``_clock``: the
record then carries its historical time while the audit trail keeps the true time of seeding.

Idempotent: a second run finds its feed's referrals and stops. Synthetic and neutral text only.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from types import ModuleType, SimpleNamespace
from unittest import mock

from django.utils import timezone

from casework.accounts.models import Unit, User
from casework.case_templates import services as template_services
from casework.cases import services as cases
from casework.cases.closure import case_open_items
from casework.cases.services import cases as case_writes
from casework.cases.services import records as record_writes
from casework.custody import services as custody
from casework.custody.models import EvidenceStore
from casework.deadlines import services as deadline_services
from casework.oversight.audit_reviews import seed_demo_review
from casework.partners import services as partners
from casework.partners.selectors import agencies_search
from casework.referrals import services as referrals
from casework.referrals.models import Referral

FEED = "Synthetic history feed"
WEEKS = 52
# Modules whose services stamp "now" themselves; only they (with their submodules, should one
# become a package) see the historical clock.
CLOCKED_MODULES = (referrals, case_writes, record_writes, deadline_services, template_services)
SOURCES = ("industry", "industry", "industry", "hotline", "public", "foreign_le", "interpol")
PRIORITIES = ("P1", "P2", "P2", "P3", "P3", "P3", "P4")
# Typical hours from arrival to the end of triage, per priority (some run past the clock).
TRIAGE_HOURS = {"P1": (1, 10), "P2": (4, 60), "P3": (12, 150), "P4": (24, 400)}
OUTCOMES = ("charged", "arrests", "victims_safeguarded", "no_further_action", "referred")


TEMPLATED_TYPE = "online-enticement"


@contextmanager
def _clock(when: datetime) -> Iterator[None]:
    """Make ``timezone.now()`` return ``when`` inside the clocked services' modules only."""
    fake = SimpleNamespace(**{name: getattr(timezone, name) for name in dir(timezone)})
    fake.now = lambda: when
    with ExitStack() as stack:
        for module in _clocked_modules():
            if hasattr(module, "timezone"):
                stack.enter_context(mock.patch.object(module, "timezone", fake))
        yield


def _clocked_modules() -> list[ModuleType]:
    names = tuple(module.__name__ for module in CLOCKED_MODULES)
    return [
        module
        for name, module in list(sys.modules.items())
        if name in names or name.startswith(tuple(f"{clocked}." for clocked in names))
    ]


def _users():
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=["north", "south"])}
    people = {user.username: user for user in User.objects.filter(is_active=True)}
    return units, people


def seed(*, stdout) -> None:
    # The auditor's weekly review of last week (idempotent), before the audit seed seals.
    seed_demo_review()
    if Referral.objects.filter(source_agency=FEED).exists():
        stdout.write("oversight: synthetic history already there")
        return
    units, people = _users()
    if set(units) != {"north", "south"} or "admin" not in people:
        stdout.write("oversight: demo units or users missing; no history seeded")
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(weeks=WEEKS)
    store = _store(people["admin"])
    counts = {"referrals": 0, "cases": 0}
    # Arrivals per week, drawn from these: a year of history in seconds, not minutes (every
    # referral runs its services, clocks and audit like a real one).
    for code, investigators, supervisor, per_week in (
        ("north", ["inv.north", "inv2.north"], "sup.north", (0, 1, 1, 2)),
        ("south", ["inv.south"], "sup.south", (0, 1, 1)),
    ):
        team = [people[name] for name in investigators if name in people]
        boss = people.get(supervisor)
        if not team or boss is None:
            continue
        made = _unit_history(
            unit=units[code],
            team=team,
            supervisor=boss,
            store=store,
            start=start,
            now=now,
            per_week=per_week,
            rng=random.Random(f"oversight-{code}"),
        )
        for key in counts:
            counts[key] += made[key]
    stdout.write(
        f"oversight: a year of synthetic history ({counts['referrals']} referrals, "
        f"{counts['cases']} cases)"
    )


def _store(admin):
    existing = EvidenceStore.objects.filter(name="Synthetic history store").first()
    return existing or custody.store_create(
        actor=admin, name="Synthetic history store", identifier_pattern=r"^HIST-\d{7}$"
    )


def _agencies(actor):
    agencies = list(agencies_search(user=actor).order_by("name")[:4])
    if agencies:
        return agencies
    return [
        partners.agency_create(
            actor=actor, name=f"Example Police Service {n}", country=country, kind="police"
        )
        for n, country in ((1, "FR"), (2, "DE"), (3, "NL"))
    ]


def _unit_history(*, unit, team, supervisor, store, start, now, per_week: tuple, rng) -> dict:
    made = {"referrals": 0, "cases": 0}
    agencies = _agencies(team[0])
    for week in range(WEEKS):
        for slot in range(rng.choice(per_week)):
            received = start + timedelta(
                days=week * 7 + rng.randint(0, 6), hours=rng.randint(7, 18)
            )
            if received >= now - timedelta(hours=1):
                continue
            referral, triaged = _arrival(
                unit=unit,
                intake=team[(week + slot) % len(team)],
                tag=f"{week:02d}{slot:02d}",
                # Every third of a type with a demo case template (casework.case_templates
                # seeds it first): accepted, its case opens with the template's checklist.
                templated=(week + slot) % 3 == 0,
                received=received,
                now=now,
                rng=rng,
            )
            made["referrals"] += 1
            if referral.case_id is not None:
                made["cases"] += 1
                _case_history(
                    case=referral.case,
                    team=team,
                    supervisor=supervisor,
                    store=store,
                    agencies=agencies,
                    opened=triaged,
                    now=now,
                    rng=rng,
                )
    made["referrals"] += _waiting(unit=unit, actor=team[0], now=now)
    return made


def _arrival(*, unit, intake, tag: str, templated: bool, received, now, rng):
    """One referral received at ``received`` and, unless it is still in the backlog, triaged:
    accepted into a case, declined or referred out. Returns it and when its triage ended."""
    priority = rng.choice(PRIORITIES)
    referral = referrals.referral_receive(
        actor=intake,
        unit=unit,
        data={
            "source_kind": rng.choice(SOURCES),
            "source_agency": FEED,
            "source_reference": f"HIST-{unit.code.upper()}-{tag}",
            "received_at": received,
            "priority": priority,
            "summary": f"Synthetic referral {tag}.",
            **({"incident_type": TEMPLATED_TYPE} if templated else {}),
        },
    ).referral
    low, high = TRIAGE_HOURS[priority]
    triaged = received + timedelta(hours=rng.uniform(low, high))
    if triaged >= now:
        return referral, None  # still in the backlog
    roll = rng.random()
    with _clock(triaged):
        if roll < 0.4:
            referral = referrals.referral_accept(
                actor=intake,
                referral=referral,
                title=f"Synthetic case {unit.code} {tag}",
                lead=intake,
            )
        elif roll < 0.85:
            referrals.referral_decline(
                actor=intake, referral=referral, reason="No further action (synthetic)"
            )
        else:
            referrals.referral_mark_referred_out(
                actor=intake, referral=referral, agency_name="Example Police Service"
            )
    return referral, triaged


def _waiting(*, unit, actor, now) -> int:
    """A few recent arrivals still waiting for triage: the backlog is never empty in the demo."""
    ages = (1, 4, 9)
    for n, days in enumerate(ages):
        referrals.referral_receive(
            actor=actor,
            unit=unit,
            data={
                "source_kind": SOURCES[n],
                "source_agency": FEED,
                "source_reference": f"HIST-{unit.code.upper()}-WAITING-{n}",
                "received_at": now - timedelta(days=days, hours=2),
                "priority": PRIORITIES[n + 2],
                "summary": f"Synthetic referral waiting {n}.",
            },
        )
    return len(ages)


def _case_history(*, case, team, supervisor, store, agencies, opened, now, rng) -> None:
    """Work on one case after it opened: assignees, victims, requests, evidence, closure."""
    lead = case.lead
    others = [person for person in team if person.pk != lead.pk]
    if others and rng.random() < 0.5:
        cases.case_assign(actor=lead, case=case, user=others[0])
    if rng.random() < 0.4:
        _victims(case=case, lead=lead, opened=opened, now=now, rng=rng)
    if rng.random() < 0.5:
        _request(case=case, lead=lead, agencies=agencies, opened=opened, now=now, rng=rng)
    if rng.random() < 0.45:
        _evidence(case=case, lead=lead, store=store, opened=opened, now=now, rng=rng)
    age = now - opened
    if age > timedelta(days=45) and rng.random() < 0.6:
        asked = opened + timedelta(days=rng.randint(20, max(21, min(age.days - 3, 200))))
        approved = asked + timedelta(hours=rng.randint(4, 72))
        if approved >= now:
            return
        with _clock(asked):
            cases.case_close_request(
                actor=lead,
                case=case,
                reason="Work complete (synthetic)",
                outcome=rng.choice(OUTCOMES),
                carried={
                    item.key: "Carried past closure (synthetic)"
                    for item in case_open_items(case=case)
                    if item.blocking
                },
            )
        with _clock(approved):
            cases.case_close_approve(actor=supervisor, case=case, note="Approved (synthetic)")


def _victims(*, case, lead, opened, now, rng) -> None:
    for n in range(rng.randint(1, 2)):
        subject = cases.case_subject_add(
            actor=lead, case=case, role="victim", description=f"Synthetic person {n + 1}"
        )
        identified = opened + timedelta(days=rng.randint(1, 40))
        if identified >= now:
            continue
        with _clock(identified):
            cases.victim_record_update(
                actor=lead,
                victim=subject.victim_record,
                identification="identified",
                icse_reference=f"ICSE-SYN-{case.pk:05d}{n}" if rng.random() < 0.6 else None,
            )
        safeguarded = identified + timedelta(days=rng.randint(0, 20))
        if safeguarded < now and rng.random() < 0.7:
            with _clock(safeguarded):
                cases.victim_record_update(
                    actor=lead, victim=subject.victim_record, identification="safeguarded"
                )


def _request(*, case, lead, agencies, opened, now, rng) -> None:
    request = partners.request_create(
        actor=lead,
        agency=rng.choice(agencies),
        case=case,
        direction="out",
        kind=rng.choice(("preservation", "production", "mlat", "emergency")),
        summary="Request about account user_0000 (synthetic)",
        handling_code="le_only",
    )
    sent = opened + timedelta(hours=rng.randint(2, 96))
    if sent >= now:
        return
    partners.request_send(actor=lead, request=request, sent_at=sent)
    answered = sent + timedelta(days=rng.uniform(1, 60))
    if answered < now - timedelta(days=2) and rng.random() < 0.75:
        partners.request_answer(
            actor=lead, request=request, outcome="fulfilled", answered_at=answered
        )


def _evidence(*, case, lead, store, opened, now, rng) -> None:
    seized = opened + timedelta(hours=rng.randint(4, 200))
    if seized >= now:
        return
    item = custody.item_create(
        actor=lead,
        case=case,
        store=store,
        store_identifier=f"HIST-{case.pk:07d}",
        exhibit_number=f"HIST-{case.pk}-1",
        kind="device",
        seized_at=seized,
        seized_place="Synthetic address 1",
        seizure_authority="SW-SYN-0001",
        seized_by=lead,
        seal_numbers=["BAG-SYN-1"],
    )
    submitted = seized + timedelta(days=rng.uniform(1, 45))
    if submitted < now and rng.random() < 0.8:
        custody.custody_event_record(
            actor=lead,
            item=item,
            kind="submitted",
            started_at=submitted,
            submission_reference=f"NDB-SYN-{case.pk:05d}",
        )

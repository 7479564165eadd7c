"""Generated history for the oversight tests, made through the other apps' services.

Every referral, case, deadline, request, evidence item and victim record below is created the
way production creates it (services, with their events and clocks), at fixed times set with
time-machine, so that the figures can be checked against the records they count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from casework.cases.closure import case_open_items
from tests.referrals.factories import make_referral

MARCH = datetime(2026, 3, 1, tzinfo=UTC)


def work_mem() -> str:
    """The ``work_mem`` of this thread's connection, as PostgreSQL shows it."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        return cursor.fetchone()[0]


def at(day: int, hour: int = 9) -> datetime:
    """A time in March 2026 (UTC): the tests' reporting month."""
    return MARCH.replace(day=day, hour=hour)


@dataclass
class History:
    north_referrals: list = field(default_factory=list)
    south_referrals: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    south_cases: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    items: list = field(default_factory=list)


def _triage(referral, *, actor, when, accept=False, lead=None):
    from casework.referrals import services

    with time_machine.travel(when, tick=False):
        if accept:
            return services.referral_accept(actor=actor, referral=referral, lead=lead or actor)
        return services.referral_decline(actor=actor, referral=referral, reason="Not a crime")


@pytest.fixture
def history(investigator, teammate, supervisor, outsider, outside_supervisor, administrator):
    """North: 7 referrals in March (5 triaged, 2 accepted into cases, 1 case closed), requests,
    evidence and victims; South: 3 referrals and a case, which North must never count."""
    from casework.cases import services as cases
    from casework.custody import services as custody
    from casework.partners import services as partners
    from tests.custody.factories import make_item, make_store
    from tests.partners.factories import make_agency, make_request

    made = History()
    plan = [
        # (day received, hour, source, priority, triage after hours or None, accept)
        (2, 9, "industry", "P1", 2, True),
        (3, 10, "hotline", "P2", 30, False),
        (4, 11, "industry", "P3", 100, False),
        (9, 9, "public", "P2", 5, True),
        (10, 9, "foreign_le", "P4", 400, False),
        (16, 9, "industry", "P2", None, False),
        (23, 9, "interpol", "P1", None, False),
    ]
    for day, hour, source, priority, after, accept in plan:
        with time_machine.travel(at(day, hour), tick=False):
            referral = make_referral(
                actor=investigator,
                received_at=at(day, hour),
                source_kind=source,
                priority=priority,
            )
        made.north_referrals.append(referral)
        if after is not None:
            referral = _triage(
                referral,
                actor=investigator,
                when=at(day, hour) + timedelta(hours=after),
                accept=accept,
            )
            if accept:
                made.cases.append(referral.case)
    for day in (5, 6, 7):
        with time_machine.travel(at(day), tick=False):
            made.south_referrals.append(
                make_referral(actor=outsider, received_at=at(day), source_kind="hotline")
            )
    first, second = made.cases
    with time_machine.travel(at(12), tick=False):
        cases.case_assign(actor=investigator, case=first, user=teammate)
        made.south_cases.append(
            cases.case_open(
                actor=outsider, unit=outsider.unit, title="Synthetic case S1", lead=outsider
            )
        )
    # Victims on the first case: two identified, one of them safeguarded.
    with time_machine.travel(at(13), tick=False):
        victims = [
            cases.case_subject_add(actor=investigator, case=first, role="victim").victim_record
            for _ in range(3)
        ]
        cases.victim_record_update(
            actor=investigator,
            victim=victims[0],
            identification="identified",
            icse_reference="ICSE-SYN-0001",
        )
        cases.victim_record_update(
            actor=investigator, victim=victims[1], identification="identified"
        )
    with time_machine.travel(at(20), tick=False):
        cases.victim_record_update(
            actor=investigator, victim=victims[1], identification="safeguarded"
        )
    # Partner requests on the first case: one answered after 4 days, one still open.
    with time_machine.travel(at(14), tick=False):
        agency = make_agency(actor=investigator, name="Example Police Service", country="FR")
        answered = make_request(actor=investigator, agency=agency, case=first)
        partners.request_send(actor=investigator, request=answered, sent_at=at(10))
        partners.request_answer(
            actor=investigator, request=answered, outcome="fulfilled", answered_at=at(14)
        )
        still_open = make_request(actor=investigator, agency=agency, case=first)
        partners.request_send(actor=investigator, request=still_open, sent_at=at(11))
        made.requests = [answered, still_open]
    # Evidence: two items seized on the second case, one submitted 6 days after seizure.
    with time_machine.travel(at(15), tick=False):
        store = make_store(admin=administrator)
        submitted = make_item(case=second, store=store, actor=investigator, seized_at=at(9))
        waiting = make_item(case=second, store=store, actor=investigator, seized_at=at(10))
        custody.custody_event_record(
            actor=investigator,
            item=submitted,
            kind="submitted",
            started_at=at(15),
            submission_reference="ICSE-SYN-0042",
        )
        made.items = [submitted, waiting]
    # The second case is closed with a supervisor's approval.
    with time_machine.travel(at(25), tick=False):
        # The exhibits and the ICSE submission clock stay open: carried, as the closure asks.
        carried = {item.key: "Carried by the fixture" for item in case_open_items(case=second)}
        cases.case_close_request(
            actor=investigator,
            case=second,
            reason="Work complete",
            outcome="charged",
            carried=carried,
        )
    with time_machine.travel(at(26), tick=False):
        cases.case_close_approve(actor=supervisor, case=second)
    return made

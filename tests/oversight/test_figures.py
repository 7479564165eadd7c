"""The figures equal the records they count (generated through the other apps' services)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F

from casework.oversight.selectors import dashboard

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = {"period_start": date(2026, 3, 1), "period_end": date(2026, 3, 31)}


def _board(user, **extra):
    return dashboard(user=user, unit=None, now=at(31), **MARCH, **extra)


def _row(table, column, value):
    return next(row for row in table.rows if row[column] == value)


def test_it_counts_referrals_received_and_triaged_per_week(history, supervisor):
    from casework.referrals.models import Referral

    table = _board(supervisor).figure("referrals_weekly").table
    north = Referral.objects.filter(unit=supervisor.unit, received_at__month=3)
    assert table.total("received") == north.count() == 7
    assert table.total("triaged") == north.filter(triaged_at__isnull=False).count() == 5
    assert table.total("source_industry") == north.filter(source_kind="industry").count() == 3
    assert table.total("priority_P1") == 2
    assert [row["received"] for row in table.rows] == [0, 3, 2, 1, 1, 0]
    assert table.rows[1]["week"] == "02 Mar 2026"


def test_it_measures_time_to_triage_against_the_clock(history, supervisor):
    from casework.referrals.models import Referral

    table = _board(supervisor).figure("triage_time").table
    overall = _row(table, "priority", "All priorities")
    assert overall["triaged"] == 5
    assert overall["median_hours"] == 30.0
    p2 = _row(table, "priority", "P2")
    assert (p2["triaged"], p2["median_hours"]) == (2, 17.5)
    within = Referral.objects.filter(
        unit=supervisor.unit, triaged_at__lte=F("triage_due_at")
    ).count()
    assert overall["within"] == within
    assert overall["within_share"] == pytest.approx(within / 5)


def test_it_shows_the_backlog_by_age_and_caseload(history, supervisor, investigator, teammate):
    board = _board(supervisor)
    backlog = board.figure("backlog_age").table
    assert backlog.total("waiting") == 2
    assert _row(backlog, "age", "7–30 days")["waiting"] == 2
    caseload = board.figure("caseload").table
    people = {row["person"]: row for row in caseload.rows}
    lead = people[investigator.get_full_name() or investigator.username]
    assert (lead["led"], lead["assigned"]) == (1, 0)
    assert people[teammate.get_full_name() or teammate.username]["assigned"] == 1


def test_it_counts_outcomes_victims_requests_and_submissions(history, supervisor):
    board = _board(supervisor)
    outcomes = board.figure("case_outcomes").table
    assert outcomes.total("closed") == 1
    assert _row(outcomes, "outcome", "Suspects charged")["closed"] == 1
    victims = board.figure("victims").table
    assert victims.rows == [
        {"month": "Mar 2026", "identified": 2, "with_icse": 1, "safeguarded": 1}
    ]
    requests = board.figure("partner_requests").table
    (agency,) = requests.rows
    assert (agency["open"], agency["answered"], agency["median_response_days"]) == (1, 1, 4.0)
    submissions = board.figure("seizure_to_submission").table
    (march,) = submissions.rows
    assert (march["seized"], march["awaiting"], march["submitted"]) == (2, 1, 1)
    assert march["median_days"] == 6.0


def test_it_counts_deadlines_as_the_deadlines_app_holds_them(history, supervisor):
    from casework.deadlines.models import Deadline

    table = _board(supervisor).figure("deadline_outcomes").table
    due = Deadline.objects.filter(
        unit=supervisor.unit, due_at__gte=at(1, 0), due_at__lt=at(31, 0).replace(month=4, day=1)
    )
    total = _row(table, "kind", "All kinds")
    assert total["due"] == due.count() > 0
    assert total["met"] + total["met_late"] == due.filter(state="met").count()
    assert total["waived"] == due.filter(state="waived").count()


def test_a_supervisor_counts_only_their_own_unit(history, outside_supervisor):
    board = _board(outside_supervisor)
    assert board.scope.unit_label == "South Unit"
    assert board.figure("referrals_weekly").table.total("received") == 3
    assert board.figure("caseload").table.total("led") == 1
    assert board.figure("partner_requests").table.rows == []
    assert board.figure("victims").table.total("identified") == 0


def test_the_administrators_view_adds_up_every_unit(history, administrator):
    board = _board(administrator)
    assert board.scope.aggregate_only
    assert board.figure("referrals_weekly").table.total("received") == 10
    assert all(result.links == [] for result in board.figures)
    south = dashboard(user=administrator, unit="south", now=at(31), **MARCH)
    assert south.figure("referrals_weekly").table.total("received") == 3


def test_every_units_counts_are_the_sum_of_each_units(history, administrator, outsider):
    """The all-units view filters on no joined unit (see Scope.every_unit): it must still count
    exactly what the units' own views count, figure by figure, column by column."""
    import time_machine

    from casework.oversight.registry import COUNT
    from casework.partners import services as partners
    from tests.partners.factories import make_request

    # South asks a partner about a referral that has no case (North's requests are on a case).
    with time_machine.travel(at(12), tick=False):
        on_referral = make_request(
            actor=outsider, agency=history.requests[0].agency, referral=history.south_referrals[0]
        )
        partners.request_send(actor=outsider, request=on_referral, sent_at=at(12))
    every = _board(administrator)
    units = [
        dashboard(user=administrator, unit=code, now=at(31), **MARCH) for code in ("north", "south")
    ]
    checked = 0
    for result in every.figures:
        for column in result.table.columns:
            if column.kind != COUNT:
                continue
            each = [unit.figure(result.key).table.total(column.key) for unit in units]
            assert result.table.total(column.key) == sum(each), (result.key, column.key)
            checked += sum(each)
    assert checked > 0
    # One open request on North's case, one on South's referral.
    assert every.figure("partner_requests").table.total("open") == 2


def test_an_investigator_has_no_dashboard(history, investigator, auditor):
    from casework.core.errors import NotFound

    for user in (investigator, auditor):
        with pytest.raises(NotFound):
            _board(user)


def test_a_supervisor_cannot_ask_for_another_unit(history, supervisor):
    from casework.core.errors import NotFound

    with pytest.raises(NotFound):
        dashboard(user=supervisor, unit="south", **MARCH)


def test_a_figure_whose_source_is_missing_says_so(supervisor, monkeypatch):
    from casework.oversight import figures, registry

    figures.all_figures()
    figure = registry.FIGURES["seizure_to_submission"]
    monkeypatch.setitem(
        registry.FIGURES,
        "seizure_to_submission",
        registry.Figure(
            **{**figure.__dict__, "sources": ("custody.NotThereYet",)},
        ),
    )
    result = _board(supervisor).figure("seizure_to_submission")
    assert not result.available
    assert result.missing == "custody"

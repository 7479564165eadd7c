"""The administrators' all-units figures from the scheduler's snapshot (issue 26).

What an administrator must be able to rely on: the stored figures are exactly the ones computed
live on the same data; the page says when they were computed and recomputes them on request;
an old snapshot is never shown; and nothing else (a supervisor's figures, one unit's view)
ever comes from a snapshot.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings

from casework.audit.models import AuditEvent
from casework.oversight import forms, selectors, snapshots
from casework.oversight.models import FigureSnapshot
from casework.oversight.registry import COUNT, Column, Table
from casework.oversight.tasks import REFRESH_TASK, refresh_snapshots
from tests.oversight.conftest import at
from tests.referrals.factories import make_referral

pytestmark = pytest.mark.django_db

THIRTEEN_WEEKS = {"preset": "13w"}


def received(board: selectors.Dashboard) -> int:
    return board.figure("referrals_weekly").table.total("received")


@pytest.fixture
def end_of_march():
    with time_machine.travel(at(31, 12), tick=False) as traveller:
        yield traveller


def test_a_snapshot_holds_every_figure_exactly_as_computed(history, end_of_march):
    first, last = selectors.default_period(weeks=13)
    scope = selectors.every_unit_scope(period_start=first, period_end=last)
    live = selectors.dashboard_for(scope)
    snapshots.compute_and_store(scope)

    stored = snapshots.stored_dashboard(scope)

    assert stored is not None and stored.computed_at == scope.now
    assert [one.key for one in stored.figures] == [one.key for one in live.figures]
    for mine, theirs in zip(stored.figures, live.figures, strict=True):
        assert mine.missing == theirs.missing
        assert mine.table.columns == theirs.table.columns, mine.key
        assert mine.table.note == theirs.table.note
        assert mine.table.rows == theirs.table.rows, mine.key
        for row, other in zip(mine.table.rows, theirs.table.rows, strict=True):
            assert {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in other.items()}
        assert mine.page_rows_html() == theirs.page_rows_html()
        assert mine.chart_svg() == theirs.chart_svg()
    assert received(live) > 0, "the history has referrals in the period"


def test_every_kind_of_value_comes_back_from_the_database_as_it_went_in(end_of_march):
    values = {
        "label": "Week of 2 Mar",
        "count": 7,
        "none": None,
        "yes": True,
        "share": 0.1,
        "hours": 2.5e-7,
        "huge": 1e300,  # jsonb would print this without an exponent: an int on the way back
        "whole": 3.0,
        "money": Decimal("12.345"),
        "day": date(2026, 3, 2),
        "moment": datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=at(1).tzinfo),
        "span": timedelta(days=2, seconds=5, microseconds=7),
    }
    first, last = selectors.default_period(weeks=4)
    scope = selectors.every_unit_scope(period_start=first, period_end=last)
    result = selectors.FigureResult(
        figure=selectors.all_figures()[0],
        table=Table(columns=[Column("count", "Count", COUNT)], rows=[values], note="n"),
    )
    FigureSnapshot.objects.create(
        key="values", computed_at=scope.now, compute_ms=1, tables=snapshots.encode([result])
    )

    tables = FigureSnapshot.objects.get(key="values").tables
    row = tables["figures"][0]["table"]["rows"][0]
    decoded = {name: snapshots._decode_value(value) for name, value in row.items()}

    assert decoded == values
    assert {k: type(v) for k, v in decoded.items()} == {k: type(v) for k, v in values.items()}


def test_a_value_it_cannot_store_is_refused_not_lost():
    with pytest.raises(TypeError, match="set"):
        snapshots._encode_value({1, 2})


def test_the_administrator_sees_when_the_figures_were_computed_and_can_recompute(
    history, administrator, investigator, client_for, end_of_march
):
    snapshots.refresh_every_unit()
    client = client_for(administrator)
    before = client.get("/oversight/", THIRTEEN_WEEKS)
    assert before.status_code == 200
    board = before.context["board"]
    assert board.computed_at == at(31, 12)
    assert "Figures computed at" in before.content.decode()
    assert "Recompute now" in before.content.decode()

    end_of_march.shift(timedelta(minutes=3))
    make_referral(actor=investigator)

    served = client.get("/oversight/", THIRTEEN_WEEKS).context["board"]
    assert received(served) == received(board), "the snapshot is what the page shows"
    assert served.computed_at == at(31, 12)
    assert served.scope.as_of == at(31, 12), "backlogs are measured when it was computed"

    fresh = client.get("/oversight/", {**THIRTEEN_WEEKS, "fresh": "1"}).context["board"]
    assert received(fresh) == received(board) + 1
    assert fresh.computed_at == at(31, 12) + timedelta(minutes=3)
    # … and what it computed is now the snapshot every administrator sees.
    again = client.get("/oversight/", THIRTEEN_WEEKS).context["board"]
    assert received(again) == received(fresh)


def test_a_snapshot_older_than_twice_the_interval_is_not_shown(
    history, administrator, investigator, client_for, end_of_march
):
    snapshots.refresh_every_unit()
    make_referral(actor=investigator)
    interval = timedelta(seconds=settings.CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS)
    client = client_for(administrator)

    end_of_march.shift(2 * interval - timedelta(seconds=1))
    late = client.get("/oversight/", THIRTEEN_WEEKS).context["board"]
    assert late.computed_at == at(31, 12), "one late refresh still shows the last figures"

    end_of_march.shift(timedelta(seconds=2))
    board = client.get("/oversight/", THIRTEEN_WEEKS).context["board"]
    assert board.computed_at == at(31, 12) + 2 * interval + timedelta(seconds=1)
    assert received(board) == received(late) + 1


def test_supervisors_and_one_units_view_never_come_from_a_snapshot(
    history, administrator, supervisor, investigator, client_for, end_of_march
):
    snapshots.refresh_every_unit()
    supervisor_before = client_for(supervisor).get("/oversight/", THIRTEEN_WEEKS)
    north_before = client_for(administrator).get("/oversight/", {**THIRTEEN_WEEKS, "unit": "north"})
    make_referral(actor=investigator)

    for client, query, before in (
        (client_for(supervisor), THIRTEEN_WEEKS, supervisor_before),
        (client_for(administrator), {**THIRTEEN_WEEKS, "unit": "north"}, north_before),
    ):
        response = client.get("/oversight/", query)
        board = response.context["board"]
        assert board.computed_at is None
        assert received(board) == received(before.context["board"]) + 1
        assert "Figures computed at" not in response.content.decode()
    assert FigureSnapshot.objects.count() == len(snapshots.PRESET_WEEKS)


def test_a_snapshot_of_another_set_of_figures_is_computed_again(
    history, administrator, client_for, end_of_march
):
    snapshots.refresh_every_unit()
    first, last = selectors.default_period(weeks=13)
    key = snapshots.snapshot_key(selectors.every_unit_scope(period_start=first, period_end=last))
    snapshot = FigureSnapshot.objects.get(key=key)
    snapshot.tables["figures"].pop()  # as if computed before a release added a figure
    snapshot.computed_at -= timedelta(seconds=1)
    snapshot.save()

    board = client_for(administrator).get("/oversight/", THIRTEEN_WEEKS).context["board"]

    assert len(board.figures) == len(selectors.all_figures())
    assert board.computed_at == at(31, 12)
    assert len(FigureSnapshot.objects.get(key=key).tables["figures"]) == len(board.figures)


def test_with_the_interval_at_zero_nothing_is_stored(
    history, administrator, client_for, end_of_march, settings
):
    settings.CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS = 0
    response = client_for(administrator).get("/oversight/", THIRTEEN_WEEKS)
    assert response.context["board"].computed_at is None
    assert "Recompute now" not in response.content.decode()
    assert not FigureSnapshot.objects.exists()


def test_the_served_page_reads_the_snapshot_not_the_records(
    history, administrator, client_for, end_of_march, django_assert_max_num_queries
):
    snapshots.refresh_every_unit()
    client = client_for(administrator)
    client.get("/oversight/", THIRTEEN_WEEKS)
    # Session, user, roles, the unit menu, the units of the scope, the snapshot.
    with django_assert_max_num_queries(8):
        response = client.get("/oversight/", THIRTEEN_WEEKS)
    assert response.context["board"].computed_at == at(31, 12)


def test_the_scheduler_keeps_the_menus_presets_and_writes_nothing_to_the_ledger(
    history, end_of_march
):
    assert sorted(snapshots.PRESET_WEEKS) == sorted(forms.PRESET_WEEKS.values())
    entry = settings.CELERY_BEAT_SCHEDULE["oversight-snapshots"]
    assert entry["task"] == REFRESH_TASK
    assert entry["schedule"] == timedelta(seconds=settings.CASEWORK_OVERSIGHT_SNAPSHOT_SECONDS)
    FigureSnapshot.objects.create(
        key="every-unit 2025-01-01 2025-03-31 UTC",
        computed_at=at(31, 12) - timedelta(days=2),
        compute_ms=1,
        tables={"figures": []},
    )
    events = AuditEvent.objects.count()

    took = refresh_snapshots.apply().get()

    assert len(took) == len(snapshots.PRESET_WEEKS)
    assert sorted(FigureSnapshot.objects.values_list("key", flat=True)) == sorted(took)
    assert AuditEvent.objects.count() == events, "a snapshot is not captured by the ledger"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_the_snapshots_the_scheduler_asks_for(tmp_path):
    """The beat entry's task name reaches the task through a broker and a worker."""
    import time

    from tests.celery_worker import real_worker

    with real_worker(tmp_path) as app:
        app.send_task(settings.CELERY_BEAT_SCHEDULE["oversight-snapshots"]["task"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and FigureSnapshot.objects.count() < len(
            snapshots.PRESET_WEEKS
        ):
            time.sleep(0.2)
    assert FigureSnapshot.objects.count() == len(snapshots.PRESET_WEEKS)


def test_an_installation_without_units_yet_shows_empty_figures(administrator, client_for):
    from casework.accounts.models import Unit

    assert not Unit.objects.exists()
    snapshots.refresh_every_unit()
    response = client_for(administrator).get("/oversight/", {"preset": "52w", "fresh": "1"})
    assert response.status_code == 200
    board = response.context["board"]
    assert received(board) == 0
    assert board.figure("triage_time").table.total("triaged") == 0

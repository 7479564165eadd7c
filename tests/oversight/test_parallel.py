"""The dashboard computes its figures on several connections at once, with the same result.

Needs committed data (``transaction=True``): the second connection cannot see what a test's
open transaction wrote, which is also why figures inside an open transaction are computed one
after the other on the caller's connection.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from casework.oversight.selectors import dashboard
from casework.oversight.sql import FIGURE_MEMORY

from .conftest import at, work_mem

pytestmark = pytest.mark.django_db(transaction=True)

MARCH = {"period_start": date(2026, 3, 1), "period_end": date(2026, 3, 31)}


def _tables(user, settings, workers):
    settings.CASEWORK_OVERSIGHT_WORKERS = workers
    board = dashboard(user=user, unit=None, now=at(31), **MARCH)
    return [(result.figure.key, result.table and result.table.rows) for result in board.figures]


def test_figures_on_two_connections_equal_figures_one_after_the_other(
    history, supervisor, settings, monkeypatch
):
    from casework.oversight import selectors

    threads = set()
    memory = set()
    compute = selectors.compute_figure

    def recording(figure, scope):
        threads.add(threading.current_thread().name)
        memory.add(work_mem())
        return compute(figure, scope)

    monkeypatch.setattr(selectors, "compute_figure", recording)
    before = work_mem()
    one_by_one = _tables(supervisor, settings, 1)
    assert len(threads) == 1
    threads.clear()
    at_once = _tables(supervisor, settings, 2)
    assert at_once == one_by_one
    assert len(threads) == 2  # the request's thread and one helper did the work
    # Both connections computed with the figures' memory, and the request's is as it was.
    assert memory == {FIGURE_MEMORY}
    assert work_mem() == before != FIGURE_MEMORY
    north_received = dict(one_by_one)["referrals_weekly"]
    assert sum(row["received"] for row in north_received) == 7


def test_inside_a_transaction_the_figures_stay_on_the_caller_s_connection(
    history, supervisor, settings, monkeypatch
):
    from casework.oversight import selectors

    threads = set()
    compute = selectors.compute_figure
    monkeypatch.setattr(
        selectors,
        "compute_figure",
        lambda figure, scope: (
            threads.add(threading.current_thread().name) or compute(figure, scope)
        ),
    )
    with transaction.atomic():
        assert connection.in_atomic_block
        _tables(supervisor, settings, 2)
    assert threads == {threading.current_thread().name}

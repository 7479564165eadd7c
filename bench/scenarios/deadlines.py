"""Deadline figures (issue 4): my deadlines, the unit board, and the reminder sweep."""

from __future__ import annotations

import time

from django.db import transaction

from bench.generate.base import EPOCH_END

from .base import (
    DAILY_PAGE_MS,
    DAILY_PAGE_SOURCE,
    NotBuilt,
    Result,
    Run,
    Target,
    import_or_not_built,
    page,
    scenario,
    url_or_not_built,
)


class _Rollback(Exception):
    pass


@scenario("pages.my_deadlines", issue="4")
def my_deadlines(run: Run) -> list[Result]:
    url = url_or_not_built(("deadlines:mine", {}), ("deadlines:my", {}))
    mine = import_or_not_built("casework.deadlines.selectors", "deadlines_mine_first")
    limit = import_or_not_built("casework.deadlines.views", "LIST_LIMIT")
    results = []
    for role in ("investigator", "supervisor"):
        user = run.personas[role]
        results.append(
            page(
                run,
                name="pages.my_deadlines",
                label="My deadlines",
                role=role,
                url=url,
                target_ms=DAILY_PAGE_MS,
                target_source=DAILY_PAGE_SOURCE,
                baseline=lambda user=user: mine(user=user, limit=limit),
                baseline_label="the selector alone (the page's rows, no page)",
            )
        )
    return results


@scenario("pages.unit_board", issue="4")
def unit_board(run: Run) -> list[Result]:
    url = url_or_not_built(("deadlines:board", {}), ("deadlines:unit-board", {}))
    board = import_or_not_built("casework.deadlines.selectors", "deadlines_unit_board_first")
    limit = import_or_not_built("casework.deadlines.views", "LIST_LIMIT")
    user = run.personas["supervisor"]
    return [
        page(
            run,
            name="pages.unit_board",
            label="Unit deadline board",
            role="supervisor",
            url=url,
            target_ms=DAILY_PAGE_MS,
            target_source=DAILY_PAGE_SOURCE,
            baseline=lambda: board(user=user, limit=limit),
            baseline_label="the selector alone (the page's rows, no page)",
        )
    ]


@scenario("deadlines.sweep", issue="4")
def sweep(run: Run) -> list[Result]:
    """One sweep at the generator's "now": it claims the reminders due (1% of open clocks) and
    a second sweep right after claims none (each reminder once). Rolled back afterwards, so the
    figure is the same on every run over the same data and nothing is sent."""
    deadlines_sweep = import_or_not_built("casework.deadlines.services", "deadlines_sweep")
    from casework.deadlines.models import Deadline, ReminderSchedule

    open_count = Deadline.objects.filter(state="open").count()
    if not open_count:
        raise NotBuilt("no open deadlines in the benchmark data (generator not run?)")
    due = ReminderSchedule.objects.filter(
        deadline__state="open", next_reminder_at__lte=EPOCH_END, deadline__due_at__gt=EPOCH_END
    ).count()
    figures = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            first = deadlines_sweep(now=EPOCH_END)
            figures["seconds"] = time.perf_counter() - started
            second = deadlines_sweep(now=EPOCH_END)
            figures.update(
                reminded=first.reminders,
                missed=first.missed,
                again=second.reminders + second.missed,
            )
            raise _Rollback
    except _Rollback:
        pass
    once = figures["reminded"] == due and figures["again"] == 0
    return [
        Result(
            "deadlines.sweep",
            "Deadline sweep (mark missed, claim due reminders)",
            unit="s",
            value=figures["seconds"],
            target=Target(2, "issue 26, at 1,000,000 open"),
            status="ok" if once else "error",
            details={
                "open_deadlines": open_count,
                "due_for_reminder": due,
                "reminded": figures["reminded"],
                "marked_missed": figures["missed"],
                "claimed_by_second_sweep": figures["again"],
            },
            note="" if once else "a reminder was not claimed exactly once",
        )
    ]

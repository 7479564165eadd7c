"""Deadline figures (issue 4): my deadlines, the unit board, and the reminder sweep."""

from __future__ import annotations

from .base import NotBuilt, Result, Run, page, scenario, url_or_not_built


@scenario("pages.my_deadlines", issue="4")
def my_deadlines(run: Run) -> list[Result]:
    url = url_or_not_built(("deadlines:mine", {}), ("deadlines:my", {}), ("deadlines:list", {}))
    return [
        page(
            run,
            name="pages.my_deadlines",
            label="My deadlines",
            role=role,
            url=url,
            target_ms=500,
            target_source="harness budget",
        )
        for role in ("investigator", "supervisor")
    ]


@scenario("pages.unit_board", issue="4")
def unit_board(run: Run) -> list[Result]:
    url = url_or_not_built(("deadlines:board", {}), ("deadlines:unit-board", {}))
    return [
        page(
            run,
            name="pages.unit_board",
            label="Unit deadline board",
            role="supervisor",
            url=url,
            target_ms=500,
            target_source="harness budget",
        )
    ]


@scenario("deadlines.sweep", issue="4")
def sweep(run: Run) -> list[Result]:
    raise NotBuilt("no deadlines sweep service yet")

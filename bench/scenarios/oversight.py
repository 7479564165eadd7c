"""Oversight figures (issue 9): the supervisor's unit dashboard."""

from __future__ import annotations

from .base import Result, Run, page, scenario, url_or_not_built


@scenario("pages.oversight_dashboard", issue="9")
def dashboard(run: Run) -> list[Result]:
    url = url_or_not_built(("oversight:dashboard", {}), ("oversight:index", {}))
    return [
        page(
            run,
            name="pages.oversight_dashboard",
            label="Unit dashboard (a year)",
            role="supervisor",
            url=url,
            target_ms=1000,
            target_source="issue 9",
        )
    ]

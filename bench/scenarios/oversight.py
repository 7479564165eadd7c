"""Oversight figures (issue 9): the unit dashboard over a year, for a supervisor and, across
every unit, for an administrator."""

from __future__ import annotations

from .base import Result, Run, page, scenario, url_or_not_built


@scenario("pages.oversight_dashboard", issue="9")
def dashboard(run: Run) -> list[Result]:
    # Issue 9's figure is "a year of national-scale data": the 52-week period, not the
    # page's default of 13 weeks.
    url = url_or_not_built(("oversight:dashboard", {}), ("oversight:index", {})) + "?preset=52w"
    return [
        page(
            run,
            name="pages.oversight_dashboard",
            label=label,
            role=role,
            url=url,
            target_ms=1000,
            target_source="issue 9",
        )
        for role, label in (
            ("supervisor", "Unit dashboard, 52 weeks"),
            ("administrator", "All-units dashboard, 52 weeks"),
        )
    ]

"""Oversight figures (issue 9): the unit dashboard over a year, for a supervisor and, across
every unit, for an administrator."""

from __future__ import annotations

from collections.abc import Callable

from django.test import override_settings

from .base import Result, Run, page, scenario, url_or_not_built


@scenario("pages.oversight_dashboard", issue="9, 26")
def dashboard(run: Run) -> list[Result]:
    # Issue 9's figure is "a year of national-scale data": the 52-week period, not the
    # page's default of 13 weeks.
    url = url_or_not_built(("oversight:dashboard", {}), ("oversight:index", {})) + "?preset=52w"

    def one_connection(role: str) -> Callable[[], object]:
        client = run.client_for(role)

        def get() -> object:
            with override_settings(CASEWORK_OVERSIGHT_WORKERS=1):
                return client.get(url)

        return get

    return [
        page(
            run,
            name="pages.oversight_dashboard",
            label=label,
            role=role,
            url=url,
            target_ms=500,
            target_source="issue 26",
            # The same page with its figures computed one after the other: what the
            # figures' own connections (CASEWORK_OVERSIGHT_WORKERS) buy.
            baseline=one_connection(role),
            baseline_label="same page, figures on one connection",
        )
        for role, label in (
            ("supervisor", "Unit dashboard, 52 weeks"),
            ("administrator", "All-units dashboard, 52 weeks"),
        )
    ]

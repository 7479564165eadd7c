"""Oversight figures (issue 9): the unit dashboard over a year, for a supervisor and, across
every unit, for an administrator.

The administrator's all-units figures are served from the snapshot the scheduler keeps
(``casework.oversight.snapshots``, issue 26): the scenario runs the scheduler's refresh first
and reports how long it took, and its baseline is the same page recomputed at the request
("Recompute now"), which is what the page cost before snapshots."""

from __future__ import annotations

from collections.abc import Callable

from django.test import override_settings

from .base import Result, Run, page, scenario, url_or_not_built

# The snapshot the scheduler refreshes for the "Last 52 weeks" preset.
SNAPSHOT_WEEKS = 52


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

    from casework.oversight.selectors import default_period, every_unit_scope
    from casework.oversight.snapshots import refresh_every_unit, snapshot_key

    took = refresh_every_unit()
    first, last = default_period(weeks=SNAPSHOT_WEEKS)
    refresh_ms = took[snapshot_key(every_unit_scope(period_start=first, period_end=last))]
    administrator = run.client_for("administrator")
    results = [
        page(
            run,
            name="pages.oversight_dashboard",
            label="Unit dashboard, 52 weeks",
            role="supervisor",
            url=url,
            target_ms=500,
            target_source="issue 26",
            # The same page with its figures computed one after the other: what the
            # figures' own connections (CASEWORK_OVERSIGHT_WORKERS) buy.
            baseline=one_connection("supervisor"),
            baseline_label="same page, figures on one connection",
        ),
        page(
            run,
            name="pages.oversight_dashboard",
            label="All-units dashboard, 52 weeks, from the scheduler's snapshot",
            role="administrator",
            url=url,
            target_ms=500,
            target_source="issue 26",
            baseline=lambda: administrator.get(url + "&fresh=1"),
            baseline_label="same page, figures computed at the request (Recompute now)",
        ),
    ]
    results[1].details["scheduler_refresh_ms"] = refresh_ms
    results[1].note = (
        f"the scheduler's refresh of the 52-week figures took {refresh_ms} ms "
        f"({len(took)} periods: {sum(took.values())} ms)"
    )
    return results

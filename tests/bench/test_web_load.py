"""The web-tier load scenario, briefly: real gunicorn, signed-in clients, figures for 1 and 2
workers beside the static-file baseline (so the scenario cannot rot unnoticed)."""

from __future__ import annotations

import pytest

from bench.scales import SCALES
from bench.scenarios.base import OK, Run
from bench.scenarios.load import web_load
from tests.cases.factories import make_case

# gunicorn must see the rows: they are committed, not held in a test transaction.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


def test_it_measures_case_pages_and_the_static_baseline_through_gunicorn(investigator, settings):
    settings.CASEWORK_REQUIRE_2FA = True  # the clients' sessions carry a verified device
    make_case(lead=investigator, title="Synthetic case for the load scenario")
    said = []
    run = Run(
        scale=SCALES["tiny"],
        personas={"investigator": investigator},
        samples=1,
        say=said.append,
        load_seconds=1.5,
        load_clients=2,
    )

    results = web_load(run)

    assert [(r.scenario, r.details["workers"]) for r in results] == [
        (f"web.load.{figure}", workers) for workers in (1, 2) for figure in ("rate", "p95", "cpu")
    ], [r.note for r in results]
    for result in results:
        assert result.status == OK, result.note
        assert result.value > 0 and result.baseline > 0
        assert result.details["case_pages"]["failed"] == 0
        assert result.details["case_pages"]["requests"] >= 2
    assert any("2 worker(s)" in line for line in said)

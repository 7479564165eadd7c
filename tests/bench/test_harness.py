"""``python -m bench`` end to end at tiny scale: its own database, a table, and results JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_it_measures_a_fresh_database_and_writes_results(tmp_path):
    output = tmp_path / "latest.json"
    database = f"casework_bench_test_{os.getpid()}"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "tiny",
            "--database",
            database,
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=500,
        check=False,
    )
    try:
        assert completed.returncode == 0, completed.stderr[-3000:]
        assert "Scenario" in completed.stdout and "Status" in completed.stdout
        check_results(json.loads(output.read_text()))
        check_a_run_that_dies_keeps_what_it_measured(database, tmp_path / "died.json")
    finally:
        subprocess.run([sys.executable, "-c", DROP.format(database=database)], cwd=ROOT, check=True)


DROP = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from bench import database
database.use("{database}")
database.drop("{database}")
"""

# The process dies (as an out-of-memory kill would: no exception, no cleanup) in the second
# scenario it measures.
DIES_IN_SECOND_SCENARIO = """
import os, sys
import bench.__main__ as harness
set_up = harness.setup_django

def setup_django():
    set_up()
    from bench.scenarios import REGISTRY
    second = next(e for e in REGISTRY if e.name == "audit.write_overhead")
    second.function = lambda run: os._exit(9)

harness.setup_django = setup_django
harness.main(sys.argv[1:])
"""


def check_a_run_that_dies_keeps_what_it_measured(database: str, output: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            DIES_IN_SECOND_SCENARIO,
            "--scale",
            "tiny",
            "--database",
            database,
            "--reuse",
            "--only",
            "cases.visibility,audit.write_overhead",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 9, completed.stderr[-3000:]
    kept = json.loads(output.read_text())
    assert kept["finished"] is None  # says it is not a whole run
    assert {s["scenario"] for s in kept["scenarios"]} == {
        "cases.visibility.page",
        "cases.visibility.count",
    }
    assert all(s["value"] is not None for s in kept["scenarios"])


def check_results(results: dict) -> None:
    assert results["scale"] == "tiny" and results["finished"]
    assert results["machine"]["cores"] and results["machine"]["postgresql"]
    loaded = {entry["table"]: entry for entry in results["generation"]}
    assert loaded["cases.Case"]["rows"] == 60

    scenarios = results["scenarios"]
    statuses = {s["status"] for s in scenarios}
    assert statuses <= {"ok", "over-target", "not-built"}, [
        (s["scenario"], s["note"]) for s in scenarios if s["status"] == "error"
    ]
    for entry in scenarios:
        if entry["status"] == "not-built":
            assert entry["note"], entry["scenario"]
        else:
            assert entry["value"] is not None, entry["scenario"]

    # Works today: need-to-know against the plain unit query, side by side.
    visibility = [s for s in scenarios if s["scenario"] == "cases.visibility.page"]
    assert {s["persona"] for s in visibility} == {"investigator", "supervisor"}
    for entry in visibility:
        assert entry["unit"] == "ms p95" and entry["baseline"] > 0
        assert entry["target"]["value"] > 0 and entry["details"]["queries"] >= 1
    overhead = next(s for s in scenarios if s["scenario"] == "audit.write_overhead")
    assert overhead["target"] == {"value": 10, "source": "issue 26", "below": True}

    # Issue 26's write-side figures, each beside its baseline in the same run.
    by_name = {s["scenario"]: s for s in scenarios}
    imported = by_name["referrals.import"]
    assert imported["status"] != "not-built" and imported["baseline"] > 0
    assert imported["target"] == {"value": 30, "source": "issue 26", "below": True}
    share = by_name["audit.verify.share"]
    assert share["target"] == {"value": 30, "source": "issue 26", "below": False}
    assert 0 < share["value"] <= 100 and by_name["audit.verify"]["baseline"] > 0
    assert by_name["deadlines.sweep"]["target"]["value"] == 2

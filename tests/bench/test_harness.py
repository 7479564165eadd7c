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
            "--drop",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=500,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Scenario" in completed.stdout and "Status" in completed.stdout

    results = json.loads(output.read_text())
    assert results["scale"] == "tiny"
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

"""The run's output: a table for people and ``bench/results/latest.json`` for tools."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.db import connection

from .scenarios.base import Result, number

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        postgres = cur.fetchone()[0]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "hostname": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "postgresql": postgres,
        "commit": commit,
    }


def _figure(value: float | None, unit: str) -> str:
    return "" if value is None else f"{number(value)} {unit}"


def table(results: list[Result]) -> str:
    header = ("Scenario", "As", "Figure", "Target", "Baseline", "Queries", "Status")
    rows = [header]
    for r in results:
        baseline = ""
        if r.baseline is not None:
            unit = "ms" if r.unit.startswith("ms") or r.unit == "%" else r.unit
            baseline = f"{number(r.baseline)} {unit}".strip()
        rows.append(
            (
                r.scenario,
                r.persona,
                _figure(r.value, r.unit) if r.status not in ("not-built", "error") else "",
                r.target.text(r.unit) if r.target else "",
                baseline,
                str(r.details.get("queries", "")),
                r.status if r.status != "not-built" else f"not-built: {r.note}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def write(
    path: Path,
    *,
    scale: str,
    results: list[Result],
    generation: list[dict[str, Any]] | None,
    started: datetime,
    complete: bool = True,
) -> None:
    """Write the run's document; called after every scenario with ``complete=False`` so a run
    that dies (out of memory, a killed backend) keeps every figure measured before it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "date": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds") if complete else None,
        "scale": scale,
        "machine": machine(),
        "generation": generation,
        "scenarios": [r.as_json() for r in results],
    }
    # Written beside and renamed over: a crash while writing leaves the previous document whole.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(document, indent=2, default=str) + "\n")
    partial.replace(path)

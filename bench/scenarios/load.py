"""The web tier under load: requests per second through real gunicorn (issue 24).

The other page scenarios time one request at a time inside this process. This one starts
gunicorn on the benchmark database (loopback only, a free port), with 1 and then 2 worker
processes, and keeps ``clients`` signed-in clients busy for ``seconds`` on each configuration:
first on a static file (the baseline: what gunicorn and WhiteNoise serve with no Django view and
no database), then on the investigator's case list and case page, alternately. It reports
requests per second and the p95 of each configuration side by side.

Each client is a thread with its own connection per request (gunicorn's sync workers close the
connection after each answer); the session is a real signed-in session with two-factor
satisfied, stored in the benchmark database as a browser's would be.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.templatetags.static import static

from casework.cases.selectors import cases_visible_to

from .base import ERROR, Result, Run, percentile, scenario, signed_in_client, url_or_not_built

ROOT = Path(__file__).resolve().parents[2]
WORKER_COUNTS = (1, 2)
STATIC_FILE = "casework/css/site.css"
START_TIMEOUT_S = 90


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, milliseconds: float, outcome: str) -> None:
        with self.lock:
            if outcome == "200":
                self.latencies_ms.append(milliseconds)
            else:
                self.failures[outcome] = self.failures.get(outcome, 0) + 1


@scenario("web.load", issue="24")
def web_load(run: Run) -> list[Result]:
    user = run.personas["investigator"]
    case = cases_visible_to(user).order_by("-opened_at", "-id").first()
    if case is None:
        return [Result("web.load", "Web tier under load", status=ERROR, note="no visible case")]
    pages = [
        url_or_not_built(("cases:list", {})),
        url_or_not_built(("cases:detail", {"number": case.number})),
    ]
    session = signed_in_client(user).cookies[settings.SESSION_COOKIE_NAME].value
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    seconds = run.load_seconds or (2.0 if run.scale.name == "tiny" else 20.0)
    clients = run.load_clients
    results = []
    for workers in WORKER_COUNTS:
        with gunicorn(workers) as (port, pid):
            for path in (*pages, static(STATIC_FILE)):  # warm every worker's caches
                for _ in range(workers * 2):
                    request(port, path, cookie)
            baseline = with_cpu(
                pid, lambda: hammer(port, [static(STATIC_FILE)], {}, clients, seconds)
            )
            measured = with_cpu(pid, lambda: hammer(port, pages, cookie, clients, seconds))
        if not measured["requests"] or not baseline["requests"]:
            failures = {"case pages": measured["failures"], "static": baseline["failures"]}
            note = f"{workers} worker(s): no request answered 200: {failures}"
            return [Result("web.load", "Web tier under load", status=ERROR, note=note)]
        run.say(
            f"    {workers} worker(s): static {baseline['rate']:.0f}/s, "
            f"cases {measured['rate']:.0f}/s (p95 {measured['p95_ms']:.0f} ms, "
            f"{measured['cpu_ms_per_request']:.0f} CPU ms a request)"
        )
        details = {
            "workers": workers,
            "clients": clients,
            "seconds": seconds,
            "urls": pages,
            "case_pages": measured,
            "static": baseline,
        }
        label = f"{workers} gunicorn worker{'s' if workers > 1 else ''}, {clients} clients"
        for name, unit, key in (
            ("web.load.rate", "requests/s", "rate"),
            ("web.load.p95", "ms p95", "p95_ms"),
            # What a request costs whatever else the machine runs: the figure to plan with.
            ("web.load.cpu", "CPU ms/request", "cpu_ms_per_request"),
        ):
            result = Result(
                name,
                f"Case list and case page, signed in: {label}",
                unit=unit,
                value=measured[key],
                baseline=baseline[key],
                baseline_label=f"static file ({STATIC_FILE}), same workers and clients",
                persona="investigator",
                details=details,
            )
            if measured["failed"]:
                result.status = ERROR
                result.note = f"failed requests: {measured['failures']}"
            results.append(result)
    return results


def hammer(port: int, paths: list[str], headers: dict, clients: int, seconds: float) -> dict:
    """``clients`` threads requesting ``paths`` in turn for ``seconds``; the figures."""
    tally = Tally()
    stop_at = time.perf_counter() + seconds

    def client(offset: int) -> None:
        turn = offset
        while time.perf_counter() < stop_at:
            path = paths[turn % len(paths)]
            turn += 1
            started = time.perf_counter()
            try:
                outcome = str(request(port, path, headers))
            except OSError as error:
                outcome = type(error).__name__
            tally.add((time.perf_counter() - started) * 1000, outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done = tally.latencies_ms
    return {
        "rate": round(len(done) / elapsed, 1),
        "p50_ms": round(percentile(done, 0.50), 1) if done else None,
        "p95_ms": round(percentile(done, 0.95), 1) if done else None,
        "requests": len(done),
        "failed": sum(tally.failures.values()),
        "failures": tally.failures,
        "elapsed_s": round(elapsed, 1),
    }


def with_cpu(server_pid: int, measure: Callable[[], dict]) -> dict:
    """``measure()``'s figures plus the CPU time gunicorn (master and workers) and the
    PostgreSQL backends serving it spent per answered request."""
    before = cpu_by_process(server_pid)
    figures = measure()
    after = cpu_by_process(server_pid)
    spent = {
        side: sum(after[side].values()) - sum(before[side].get(pid, 0.0) for pid in after[side])
        for side in ("web", "database")
    }
    done = max(figures["requests"], 1)
    figures["web_cpu_ms_per_request"] = round(spent["web"] * 1000 / done, 2)
    figures["database_cpu_ms_per_request"] = round(spent["database"] * 1000 / done, 2)
    figures["cpu_ms_per_request"] = round((spent["web"] + spent["database"]) * 1000 / done, 2)
    return figures


def cpu_by_process(server_pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds so far of gunicorn's processes and of the other backends on this database
    (Linux /proc, same machine). Backends stay connected between requests (CONN_MAX_AGE)."""
    web = {server_pid: process_cpu(server_pid)}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_of(int(entry.name)) == server_pid:
            web[int(entry.name)] = process_cpu(int(entry.name))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        database = {pid: process_cpu(pid) for (pid,) in cursor.fetchall()}
    return {"web": web, "database": database}


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def process_cpu(pid: int) -> float:
    fields = _stat(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(port: int, path: str, headers: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@contextlib.contextmanager
def gunicorn(workers: int) -> Iterator[tuple[int, int]]:
    """gunicorn serving the benchmark database on a free loopback port, stopped on the way out."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-c",
        "python:config.gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
    ]
    # Its output goes to a file: a pipe nobody reads could stall gunicorn mid-run.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=server_environment(), stdout=log, stderr=log
        )
        try:
            wait_until_answering(process, port, log)
            yield port, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_answering(process: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"gunicorn stopped: {log.read()[-500:]}")
        with contextlib.suppress(OSError):
            if request(port, "/accounts/sign-in/", {}) == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S} s")
        time.sleep(0.3)


def server_environment() -> dict[str, str]:
    """This process's settings, pointed at the benchmark database; nothing leaves the machine."""
    db = connection.settings_dict
    # The embedded cluster's socket folder is in OPTIONS (from ``?host=``), a server's in HOST.
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host", "")
    port = str(db.get("PORT") or "")
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    if host.startswith("/"):
        url = f"postgresql://{auth}@/{db['NAME']}?host={quote(host, safe='')}"
        url += f"&port={port}" if port else ""
    else:
        url = f"postgresql://{auth}@{host}{':' + port if port else ''}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        # Tasks a page might queue stay in the server's memory, away from the shared broker.
        "CELERY_BROKER_URL": "memory://",
        "CASEWORK_AUDIT_CHECKPOINT_DIR": str(settings.AUDIT_CHECKPOINT_DIR),
        "CASEWORK_AUDIT_SIGNING_KEY_FILE": str(settings.AUDIT_SIGNING_KEY_FILE),
        "CASEWORK_LOG_LEVEL": "WARNING",
        "DJANGO_DEBUG": "false",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

"""The production topology: two Celery workers and beat on a real broker, one worker killed.

Started as an operator starts them (``celery -A config worker`` twice, ``celery -A config
beat``), as separate processes, against this machine's RabbitMQ and then its Redis, on the test
PostgreSQL database. A few hundred clocks have reminders due (three offsets each, which is how
one clock's rows came to be split between chunks and doubled) and a few are overdue. When a
worker is in the middle of sending a chunk of reminders it is killed with SIGKILL, then
started again. Every reminder must reach its owner exactly once, and every escalation its
recipients exactly once, counted in the e-mail files the workers wrote.

Runs when ``CI`` is set (``.ci/run``, where the brokers run); about a minute per broker.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from kombu import Connection, Queue

from casework.core.models import Heartbeat, Notification
from casework.deadlines import services
from casework.deadlines.models import DeadlineReminder
from tests.cases.factories import make_case

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get("CI"),
        reason="starts workers and beat on the RabbitMQ and Redis at 127.0.0.1: runs when CI is "
        "set (.ci/run)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
REMINDED = 300
# The escalations come first in the list of claimed ids: seven of them put the 500-id chunk
# boundary inside one clock's three reminder rows, as the overdue alert did in the report.
OVERDUE = 7
SEND = "casework.deadlines.send_reminders"
BROKERS = {
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
    "redis": "redis://127.0.0.1:6379/13",
}


class Topology:
    """Two workers and beat as subprocesses; the test reads their probes and kills one."""

    def __init__(self, run_dir: Path, broker_url: str):
        self.run_dir = run_dir
        self.mail_dir = run_dir / "mail"
        self.mail_dir.mkdir()
        settings = connection.settings_dict
        host = settings["HOST"] or settings["OPTIONS"].get("host", "")
        port = f":{settings['PORT']}" if settings["PORT"] else ""
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "DATABASE_URL": (
                f"postgresql://{quote(settings['USER'] or '')}"
                f"{':' + quote(settings['PASSWORD']) if settings['PASSWORD'] else ''}"
                f"@{'' if host.startswith('/') else host}{port}/{settings['NAME']}"
                + (f"?host={quote(host, safe='')}" if host.startswith("/") else "")
            ),
            "CELERY_BROKER_URL": broker_url,
            "CASEWORK_TEST_MAIL_DIR": str(self.mail_dir),
            "CASEWORK_TEST_RUN_DIR": str(run_dir),
            "CASEWORK_TEST_QUEUE": f"casework-topology-{uuid.uuid4().hex[:8]}",
            "CASEWORK_DEADLINES_SWEEP_SECONDS": "10",
            "CASEWORK_HEARTBEAT_SECONDS": "5",
            "CASEWORK_WORKERS_EXPECTED": "2",
            "CASEWORK_REDIS_VISIBILITY_TIMEOUT": "30",
            # A worker killed between committing a notification and queueing its e-mail leaves
            # the e-mail to the retry sweep: 10 minutes in production, 15 s here.
            "CASEWORK_EMAIL_RETRY_SECONDS": "15",
            "CASEWORK_REQUIRE_2FA": "true",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> None:
        log = (self.run_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            "worker",
            "--hostname",
            f"{name}@%h",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
        )

    def running(self, name: str) -> str:
        probe = self.run_dir / f"probe-{self.processes[name].pid}"
        return probe.read_text() if probe.exists() else ""

    def kill(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def forget_queue(self) -> None:
        """Remove the run's own queue from the shared broker (it is empty by now)."""
        name = self.env["CASEWORK_TEST_QUEUE"]
        with Connection(self.env["CELERY_BROKER_URL"]) as conn:
            if conn.transport_cls == "redis":
                client = conn.default_channel.client
                for key in client.scan_iter(match=f"*{name}*"):
                    client.delete(key)
            else:
                Queue(name)(conn.default_channel).delete()

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name} (last lines)\n"
            + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            for log in sorted(self.run_dir.glob("*.log"))
        )

    def emails(self) -> list[dict]:
        """Every message in the e-mail files, with its Message-ID, subject and deadline."""
        found = []
        for path in self.mail_dir.glob("*.log"):
            for message in path.read_text().split("-" * 79):
                if "Message-ID:" not in message:
                    continue
                link = re.search(r"/deadlines/([0-9a-f-]{36})/", message)
                found.append(
                    {
                        "id": re.search(r"^Message-ID: (\S+)", message, re.M).group(1),
                        "to": re.search(r"^To: (\S+)", message, re.M).group(1),
                        "overdue": "Subject: [Casework] Overdue" in message,
                        "deadline": link.group(1) if link else "",
                    }
                )
        return found


def _clocks(investigator):
    """Clocks started a week ago and not swept since (beat was down): due in 23 hours, with
    three reminder offsets due at once (court dates remind 14d, 7d, 1d and 2h before); and a few
    now past due."""
    case = make_case(lead=investigator, title="Synthetic topology case")
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=8), tick=False):
        return _start_clocks(investigator, case, now)


def _start_clocks(investigator, case, now):
    reminded = [
        services.deadline_start(
            actor=investigator,
            kind="court_date",
            case=case,
            due_at=now + timedelta(hours=23, seconds=n),
        )
        for n in range(REMINDED)
    ]
    overdue = [
        services.deadline_start(
            actor=investigator,
            kind="court_date",
            case=case,
            due_at=now - timedelta(hours=1, seconds=n),
        )
        for n in range(OVERDUE)
    ]
    return reminded, overdue


def _wait(condition, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_every_reminder_goes_out_exactly_once_when_a_worker_is_killed(
    broker, investigator, supervisor, tmp_path
):
    reminded, overdue = _clocks(investigator)
    expected = REMINDED + OVERDUE * 2  # a reminder to the owner; an escalation to both
    topology = Topology(tmp_path, BROKERS[broker])
    try:
        topology.start_worker("one")
        topology.start_worker("two")
        topology.start("beat", "beat")
        # Kill whichever worker is first seen sending a chunk of reminders, mid-chunk.
        victim = ""

        def sending() -> bool:
            nonlocal victim
            dead = [n for n, p in topology.processes.items() if p.poll() is not None]
            assert not dead, f"{dead} stopped on their own\n" + topology.logs()
            victim = next((w for w in ("one", "two") if topology.running(w) == SEND), "")
            return bool(victim)

        assert _wait(sending, timeout=90, step=0.05), (
            "no worker started sending reminders\n" + topology.logs()
        )
        # A moment into its chunk, while messages are going out, not before the first.
        _wait(lambda: DeadlineReminder.objects.filter(notified_at__isnull=False).exists(), 10)
        time.sleep(1)
        topology.kill(victim)
        notified_at_kill = DeadlineReminder.objects.filter(notified_at__isnull=False).count()
        topology.start_worker(victim)

        def settled() -> bool:
            return (
                len(topology.emails()) >= expected
                and not DeadlineReminder.objects.filter(notified_at__isnull=True).exists()
                and not Notification.objects.filter(emailed_at__isnull=True).exists()
            )

        finished = _wait(settled, timeout=120, step=1)
        time.sleep(3)  # anything sent twice would arrive now
        workers = set(
            Heartbeat.objects.filter(component="worker").values_list("hostname", flat=True)
        )
    finally:
        topology.stop()
        topology.forget_queue()
    emails = topology.emails()
    owed = list(Notification.objects.filter(emailed_at__isnull=True).values("id", "email_failure"))
    assert finished, f"{len(emails)} of {expected} e-mails, owed: {owed}\n" + topology.logs()
    # The worker died with work done and work left to do.
    assert 0 < notified_at_kill < REMINDED * 3 + OVERDUE

    per_message = Counter(e["id"] for e in emails)
    assert [m for m, n in per_message.items() if n > 1] == []  # no message delivered twice
    reminders = Counter(e["deadline"] for e in emails if not e["overdue"])
    assert reminders == Counter({str(d.reference): 1 for d in reminded})
    escalations = Counter((e["deadline"], e["to"]) for e in emails if e["overdue"])
    assert escalations == Counter(
        {(str(d.reference), u.email): 1 for d in overdue for u in (investigator, supervisor)}
    )
    assert len(emails) == expected
    # Each worker recorded its own heartbeat under its node name.
    assert {h.split("@")[0] for h in workers} == {"one", "two"}

"""The heartbeat proves the scheduler and each worker run; tested with real Celery workers."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from casework.core.models import Heartbeat
from casework.core.services import heartbeat_record
from casework.core.tasks import HEARTBEAT_TASK


@pytest.fixture(autouse=True)
def _casework_app_stays_current():
    """``start_worker`` makes its app the process's current and default Celery app and leaves it
    so: every ``shared_task`` called later (by tests of other apps) would then go to this
    test's throwaway broker instead of Casework's app and its eager setting."""
    from config.celery import app

    yield
    app.set_current()
    app.set_default()


def _app_for(broker_url: str, transport_options: dict) -> Celery:
    app = Celery("casework-test", set_as_current=False)
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
    )
    app.loader.import_default_modules()
    return app


def _wait_for(components: set[str], timeout: float = 20.0) -> set[str]:
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while time.monotonic() < deadline:
        seen = set(Heartbeat.objects.values_list("component", flat=True))
        if components <= seen:
            break
        time.sleep(0.2)
    return seen


def _run_heartbeat(app: Celery) -> set[str]:
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        app.send_task(HEARTBEAT_TASK, kwargs={"source": "beat"})
        return _wait_for({"scheduler", "worker"})


def _filesystem_options(tmp_path) -> dict:
    folder = str(tmp_path / "queue")
    os.makedirs(folder, exist_ok=True)
    return {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }


@pytest.mark.django_db(transaction=True)
def test_every_worker_gets_its_own_beat_over_the_broadcast(tmp_path, settings):
    from celery.signals import task_postrun

    from config.celery import _consume_own_heartbeat

    options = _filesystem_options(tmp_path)
    apps = []
    for name in ("one@test", "two@test"):
        # A Celery app per worker, as two machines would have, each set up as the worker
        # command sets it up (its own heartbeat queue on the broadcast exchange).
        app = _app_for("filesystem://", options)
        app.conf.task_routes = settings.CELERY_TASK_ROUTES
        _consume_own_heartbeat(sender=name, instance=SimpleNamespace(app=app))
        apps.append((name, app))
    # Workers started in threads share the process's node name (the worker command sets each
    # its own; tests/integration checks that), so each worker's thread is counted instead.
    ran_in: list[str] = []

    def count(sender=None, **kwargs):
        if sender is not None and sender.name == HEARTBEAT_TASK:
            ran_in.append(threading.current_thread().name)

    task_postrun.connect(count, weak=False)
    try:
        with contextlib.ExitStack() as stack:
            for name, app in apps:
                stack.enter_context(
                    start_worker(
                        app,
                        pool="solo",
                        perform_ping_check=False,
                        shutdown_timeout=10,
                        hostname=name,
                    )
                )
            apps[0][1].send_task(HEARTBEAT_TASK, kwargs={"source": "beat"})
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(ran_in) < 2:
                time.sleep(0.2)
            time.sleep(1)  # a third run would be a beat delivered twice
    finally:
        task_postrun.disconnect(count)
    assert len(ran_in) == 2  # one beat sent, run once by each worker
    assert len(set(ran_in)) == 2


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("CI"), reason="runs against the Redis at 127.0.0.1 in CI")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_heartbeat_over_redis():
    app = _app_for("redis://127.0.0.1:6379/15", {})
    assert _run_heartbeat(app) == {"scheduler", "worker"}


@pytest.mark.django_db
def test_administrators_see_the_background_services(client_for, administrator, investigator):
    heartbeat_record(component="worker")
    page = client_for(administrator).get("/").content.decode()
    assert "Background services" in page
    assert "Not running" in page  # the scheduler has never beaten
    assert "Running" in page
    assert "Background services" not in client_for(investigator).get("/").content.decode()


@pytest.mark.django_db
def test_the_heartbeat_api_is_for_administrators_only(api_for, administrator, investigator):
    assert api_for(investigator).get("/api/v1/system/heartbeat/").status_code == 404
    response = api_for(administrator).get("/api/v1/system/heartbeat/")
    assert [row["component"] for row in response.json()] == ["scheduler", "worker"]


def test_the_beat_schedule_is_defined_in_code():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == HEARTBEAT_TASK
    assert entry["kwargs"] == {"source": "beat"}


def _two_workers_one_dead(settings):
    settings.CASEWORK_WORKERS_EXPECTED = 2
    heartbeat_record(component="scheduler", hostname="beat-host")
    heartbeat_record(component="worker", hostname="celery@alive-host")
    heartbeat_record(component="worker", hostname="celery@dead-host")
    stopped = timezone.now() - timedelta(seconds=settings.CELERY_HEARTBEAT_SECONDS * 3 + 30)
    Heartbeat.objects.filter(hostname="celery@dead-host").update(last_seen_at=stopped)


@pytest.mark.django_db
def test_one_worker_dead_out_of_two_is_red_and_named_on_the_home_page(
    client_for, administrator, settings
):
    _two_workers_one_dead(settings)
    page = client_for(administrator).get("/").content.decode()
    start = page.index("usa-alert--error")
    alert = page[start : page.index("</p>", start)]
    assert "Not running: Worker celery@dead-host, last seen" in alert
    assert "celery@alive-host" not in alert
    assert "1 of 2 expected workers running" in alert
    rows = page[page.index("<tbody>") : page.index("</tbody>")].split("</tr>")
    dead = next(row for row in rows if "celery@dead-host" in row)
    alive = next(row for row in rows if "celery@alive-host" in row)
    assert "Not running" in dead
    assert "Not running" not in alive and "Running" in alive


@pytest.mark.django_db
def test_the_heartbeat_api_names_the_dead_worker(api_for, administrator, settings):
    _two_workers_one_dead(settings)
    rows = api_for(administrator).get("/api/v1/system/heartbeat/").json()
    assert [(r["component"], r["hostname"], r["healthy"]) for r in rows] == [
        ("scheduler", "beat-host", True),
        ("worker", "celery@alive-host", True),
        ("worker", "celery@dead-host", False),
    ]


@pytest.mark.django_db
def test_an_expected_worker_that_never_started_is_red(api_for, client_for, administrator, settings):
    settings.CASEWORK_WORKERS_EXPECTED = 2
    heartbeat_record(component="scheduler")
    heartbeat_record(component="worker", hostname="celery@only-host")
    rows = api_for(administrator).get("/api/v1/system/heartbeat/").json()
    assert [(r["hostname"], r["healthy"]) for r in rows[1:]] == [
        ("celery@only-host", True),
        ("", False),
    ]
    page = client_for(administrator).get("/").content.decode()
    assert "Not running: Worker (expected, never seen)" in page


@pytest.mark.django_db
def test_all_expected_workers_running_is_green(client_for, administrator, settings):
    settings.CASEWORK_WORKERS_EXPECTED = 2
    heartbeat_record(component="scheduler")
    for host in ("celery@a", "celery@b"):
        heartbeat_record(component="worker", hostname=host)
    # A machine retired two days ago, while the expected two run: no longer listed.
    heartbeat_record(component="worker", hostname="celery@retired")
    Heartbeat.objects.filter(hostname="celery@retired").update(
        last_seen_at=timezone.now() - timedelta(days=2)
    )
    page = client_for(administrator).get("/").content.decode()
    assert "usa-alert--error" not in page
    assert "The scheduler and 2 of 2 expected workers are running." in page
    assert "celery@retired" not in page

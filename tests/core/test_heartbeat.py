"""The heartbeat proves the scheduler and a worker run; tested with a real Celery worker."""

from __future__ import annotations

import os
import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from casework.core.models import Heartbeat
from casework.core.tasks import HEARTBEAT_TASK


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


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_heartbeat_over_the_embedded_broker(tmp_path):
    folder = str(tmp_path / "queue")
    os.makedirs(folder)
    app = _app_for(
        "filesystem://",
        {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": str(tmp_path / "control"),
            "store_processed": False,
        },
    )
    assert _run_heartbeat(app) == {"scheduler", "worker"}


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("CI"), reason="runs against the Redis at 127.0.0.1 in CI")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_heartbeat_over_redis():
    app = _app_for("redis://127.0.0.1:6379/15", {})
    assert _run_heartbeat(app) == {"scheduler", "worker"}


@pytest.mark.django_db
def test_administrators_see_the_background_services(client_for, administrator, investigator):
    from casework.core.services import heartbeat_record

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

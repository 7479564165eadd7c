"""A real Celery worker for tests: in a thread, on a throwaway filesystem broker."""

from __future__ import annotations

import contextlib

from celery import Celery
from celery.contrib.testing.worker import start_worker


@contextlib.contextmanager
def real_worker(folder):
    """A Celery worker (in a thread) on a filesystem broker under ``folder``, with Casework's
    tasks; Casework's own app is made current again afterwards (``start_worker`` leaves its app
    so, and every ``shared_task`` called later would go to this broker)."""
    from config.celery import app as casework_app

    (folder / "queue").mkdir()
    app = Celery("casework-test", set_as_current=False)
    app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
        task_ignore_result=True,
        worker_hijack_root_logger=False,
    )
    app.loader.import_default_modules()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        casework_app.set_current()
        casework_app.set_default()

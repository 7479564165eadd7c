"""Settings of the worker and beat processes the topology test starts (tests/integration).

Production settings but for what a test must observe: e-mail written to files in a folder
(the processes share no memory), a queue name of the run's own (the machine's brokers are
shared), the schedule file in the run's folder, and a probe that tells the test which task each
worker is running, so that it can kill one in the middle of sending reminders.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from celery.signals import task_postrun, task_prerun

from config.settings import *  # noqa: F403
from config.settings import CELERY_BEAT_SCHEDULE

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["CASEWORK_TEST_MAIL_DIR"]
CELERY_TASK_DEFAULT_QUEUE = os.environ["CASEWORK_TEST_QUEUE"]
CELERY_BEAT_SCHEDULE_FILENAME = str(Path(os.environ["CASEWORK_TEST_RUN_DIR"]) / "beat-schedule")
# Only what the test is about: the sweep, the heartbeat and the e-mail retries (every 5 s, so
# an e-mail whose task died with its worker goes within the test's patience).
CELERY_BEAT_SCHEDULE = {
    name: entry
    for name, entry in CELERY_BEAT_SCHEDULE.items()
    if name in {"heartbeat", "deadlines-sweep", "notification-emails-retry"}
}
CELERY_BEAT_SCHEDULE["notification-emails-retry"] = {
    **CELERY_BEAT_SCHEDULE["notification-emails-retry"],
    "schedule": timedelta(seconds=5),
}
if CELERY_BROKER_URL.startswith("redis"):  # noqa: F405
    # The broker restores a dead worker's tasks after the visibility timeout; scan for them
    # every 2 s so the test waits for the timeout, not for the scan.
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = 2  # noqa: F405

_PROBE = Path(os.environ["CASEWORK_TEST_RUN_DIR"]) / f"probe-{os.getpid()}"


@task_prerun.connect(weak=False)
def _running(sender=None, **kwargs):
    _PROBE.write_text(sender.name if sender is not None else "?")


@task_postrun.connect(weak=False)
def _idle(**kwargs):
    _PROBE.write_text("")

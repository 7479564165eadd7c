"""Work survives a worker's death: the tasks that carry it are acknowledged late and handed
back when their worker dies, and the Redis visibility timeout is a setting."""

from __future__ import annotations

import pytest

from casework.core import tasks as core_tasks
from casework.deadlines import tasks as deadline_tasks
from tests.core.test_configuration import assert_one_clear_line, manage

MUST_SURVIVE = [
    deadline_tasks.sweep,
    deadline_tasks.send_deadline_reminders,
    core_tasks.send_notification_email,
    core_tasks.retry_notification_emails,
]


@pytest.mark.parametrize("task", MUST_SURVIVE, ids=lambda task: task.name)
def test_it_is_acknowledged_late_and_handed_back_when_its_worker_dies(task):
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


def _visibility_timeout(**env) -> str:
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; "
        "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_redis_visibility_timeout_is_a_setting_with_a_default_above_the_longest_task():
    assert _visibility_timeout() == "900"
    assert _visibility_timeout(CASEWORK_REDIS_VISIBILITY_TIMEOUT="120") == "120"


def test_a_visibility_timeout_too_short_for_any_task_is_refused():
    result = manage(
        "check",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CASEWORK_REDIS_VISIBILITY_TIMEOUT="5",
    )
    assert_one_clear_line(result, "CASEWORK_REDIS_VISIBILITY_TIMEOUT")

"""Fixtures for the deadlines tests: cases and referrals made through their services."""

from __future__ import annotations

import pytest

from tests.cases.factories import make_case
from tests.referrals.factories import make_referral


@pytest.fixture
def north_case(investigator, teammate):
    return make_case(lead=investigator, assignees=[teammate], title="Synthetic case north")


@pytest.fixture
def south_case(outsider):
    return make_case(lead=outsider, title="Synthetic case south")


@pytest.fixture
def north_referral(investigator):
    return make_referral(actor=investigator, priority="P1")


@pytest.fixture
def eager_celery(settings):
    """Run Celery tasks in the test process (reminder e-mails, reminder chunks)."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.accounts.services import users_disable_inactive
from casework.accounts.tasks import disable_inactive_accounts
from casework.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_disables_accounts_unused_for_ninety_days(north):
    now = timezone.now()
    dormant = UserFactory(unit=north, last_login=now - timedelta(days=91))
    recent = UserFactory(unit=north, last_login=now - timedelta(days=89))
    never_used = UserFactory(unit=north, last_login=None, date_joined=now - timedelta(days=100))
    new_joiner = UserFactory(unit=north, last_login=None, date_joined=now - timedelta(days=3))

    disabled = users_disable_inactive(now=now)

    assert sorted(disabled) == sorted([dormant.username, never_used.username])
    for user, active in [(dormant, False), (recent, True), (never_used, False), (new_joiner, True)]:
        user.refresh_from_db()
        assert user.is_active is active
    assert AuditEvent.objects.filter(action="user.deactivate").count() == 2


def test_the_scheduled_task_runs_the_service(north):
    UserFactory(unit=north, last_login=timezone.now() - timedelta(days=120))
    assert disable_inactive_accounts.apply().get() == 1

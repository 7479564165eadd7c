from __future__ import annotations

import pytest
from django.core.management import call_command

from casework.accounts.demo import DEMO_PASSWORD
from casework.accounts.models import User

pytestmark = pytest.mark.django_db

DEMO = {
    "inv.north": ("north", "investigator"),
    "inv2.north": ("north", "investigator"),
    "sup.north": ("north", "supervisor"),
    "inv.south": ("south", "investigator"),
    "sup.south": ("south", "supervisor"),
    "auditor": (None, "auditor"),
    "admin": (None, "administrator"),
}


def test_it_creates_the_demo_users_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo")
    call_command("seed_demo")
    assert User.objects.count() == len(DEMO)
    for username, (unit, role) in DEMO.items():
        user = User.objects.get(username=username)
        assert (user.unit.code if user.unit else None) == unit
        assert user.role_names == {role}
        assert user.check_password(DEMO_PASSWORD)


def test_the_demo_administrator_is_not_a_superuser():
    call_command("seed_demo")
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert admin.has_perm("accounts.change_user")

"""Shared fixtures: personas, a per-run test database, and fast password hashing.

Personas follow the healthchecks style: for every feature ask what the owner, a teammate, the
supervisor, an outsider from the other unit, the auditor and the administrator can see.
"""

from __future__ import annotations

import os

import pytest

from tests.clients import BrowserFormClient
from tests.factories import UnitFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    # Several test runs may share one PostgreSQL (developers and helpers in parallel); a name per
    # process keeps their test databases apart.
    from django.conf import settings

    suffix = os.environ.get("CASEWORK_TEST_DB_SUFFIX") or str(os.getpid())
    settings.DATABASES["default"]["TEST"]["NAME"] = f"test_casework_{suffix}"


@pytest.fixture(autouse=True)
def _fast_hasher(settings) -> None:
    # Argon2 is the production hasher (tested in tests/accounts/test_passwords.py); other tests
    # need not pay its deliberate cost for every user they create.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_checkpoints(settings, tmp_path) -> None:
    # Signed checkpoints go to a folder of the test's own: ``verify_ledger`` reads every file in
    # the checkpoint folder, and those ``make run`` left under var/ name events no test
    # database holds (reported as a ledger cut back).
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")


@pytest.fixture
def north(db):
    return UnitFactory(code="north", name="North Unit", case_prefix="NORTH")


@pytest.fixture
def south(db):
    return UnitFactory(code="south", name="South Unit", case_prefix="SOUTH")


@pytest.fixture
def investigator(north):
    return UserFactory(username="inv.north", unit=north, roles=["investigator"])


@pytest.fixture
def teammate(north):
    return UserFactory(username="inv2.north", unit=north, roles=["investigator"])


@pytest.fixture
def supervisor(north):
    return UserFactory(username="sup.north", unit=north, roles=["supervisor"])


@pytest.fixture
def outsider(south):
    return UserFactory(username="inv.south", unit=south, roles=["investigator"])


@pytest.fixture
def outside_supervisor(south):
    return UserFactory(username="sup.south", unit=south, roles=["supervisor"])


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", unit=None, roles=["auditor"])


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin", unit=None, roles=["administrator"], is_staff=True)


@pytest.fixture
def client() -> BrowserFormClient:
    return BrowserFormClient()


@pytest.fixture
def client_for():
    """``client_for(user)``: a test client signed in as that user, two-factor satisfied."""

    def make(user) -> BrowserFormClient:
        new = BrowserFormClient()
        new.force_login(user)
        session = new.session
        session["otp_device_id"] = _verified_device(user).persistent_id
        session.save()
        return new

    return make


def _verified_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
    return device


@pytest.fixture
def api_for():
    """``api_for(user)``: a DRF API client authenticated as that user."""
    from rest_framework.test import APIClient

    def make(user) -> APIClient:
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make

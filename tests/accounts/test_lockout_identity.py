"""Lock-out counts failures under the name the password is checked against (issue 23, item 1).

The sign-in form strips and NFKC-normalises the user name before checking the password; failures
counted under the raw typed name let " lockme" or "lockme\u00a0" guess forever.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/sign-in/"
VARIANTS = [
    " lockme",
    "lockme ",
    "\tlockme",
    "lockme\t",
    "\u00a0lockme",
    "lockme\u00a0",
    "\u2003lockme",
    "LOCKME",
    "LockMe",
    " LOCKME\u00a0",
]


@pytest.fixture(autouse=True)
def _no_two_factor(settings):
    settings.CASEWORK_REQUIRE_2FA = False


@pytest.fixture
def lockme(north):
    return UserFactory(username="lockme", unit=north, roles=["investigator"])


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(SIGN_IN, {"username": username, "password": password})


@pytest.mark.parametrize("typed", VARIANTS)
def test_wrong_passwords_under_a_padded_or_recased_name_lock_the_account(client, lockme, typed):
    for _ in range(10):
        sign_in(client, typed, "wrong-password")
    lockme.refresh_from_db()
    assert lockme.locked_at is not None

    response = sign_in(client, typed)  # the right password, still refused
    assert response.status_code == 200
    assert "locked after repeated failed sign-ins" in response.content.decode()
    assert sign_in(client, "lockme").status_code == 200
    assert client.get("/").status_code == 302


def test_failures_spread_over_variants_add_up(client, lockme):
    for typed in VARIANTS[: settings.CASEWORK_LOCKOUT_FAILURES]:
        sign_in(client, typed, "wrong-password")
    lockme.refresh_from_db()
    assert lockme.locked_at is not None


def test_a_padded_name_with_the_right_password_still_signs_in_before_the_limit(client, lockme):
    sign_in(client, " lockme", "wrong-password")
    assert sign_in(client, "lockme\u00a0").status_code == 302


def test_releasing_the_lock_forgets_failures_under_every_variant(client, lockme, administrator):
    from casework.accounts import services

    for typed in VARIANTS[:4]:
        sign_in(client, typed, "wrong-password")
    for _ in range(settings.CASEWORK_LOCKOUT_FAILURES):
        sign_in(client, "LOCKME", "wrong-password")
    lockme.refresh_from_db()
    services.user_release_lock(user=lockme, actor=administrator)
    sign_in(client, " lockme", "wrong-password")  # one new failure: far from the limit
    lockme.refresh_from_db()
    assert lockme.locked_at is None
    assert sign_in(client, "lockme").status_code == 302


def test_a_user_name_differing_only_in_case_cannot_be_created(lockme):
    from casework.accounts import services
    from casework.core.errors import DomainError

    with pytest.raises(DomainError, match="already exists"):
        services.user_create(
            username="LockMe", password=TEST_PASSWORD, unit=None, roles=[], actor=None
        )


def test_the_database_refuses_a_second_account_differing_only_in_case(lockme):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="LOCKME", unit=lockme.unit)

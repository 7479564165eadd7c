from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

import config.settings as project_settings


def test_passwords_are_stored_as_argon2id(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert make_password("a-long-synthetic-password").startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_short_passwords_are_rejected():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("short-pw")

"""The WebAuthn relying party comes from CASEWORK_BASE_URL (config/webauthn.py)."""

from __future__ import annotations

import pytest

from config.env import ConfigurationError
from config.webauthn import passkey_relying_party


@pytest.mark.parametrize(
    ("base_url", "production", "expected"),
    [
        (
            "https://casework.example.org",
            True,
            ("casework.example.org", ["https://casework.example.org"]),
        ),
        (
            "https://Casework.Example.org:8443",
            True,
            ("casework.example.org", ["https://casework.example.org:8443"]),
        ),
        ("http://127.0.0.1:8000", False, ("localhost", ["http://localhost:8000"])),
        ("http://localhost:8000", False, ("localhost", ["http://localhost:8000"])),
    ],
)
def test_it_derives_the_relying_party_from_the_address(base_url, production, expected):
    assert passkey_relying_party(base_url, production=production) == expected


@pytest.mark.parametrize(
    "base_url", ["http://casework.example.org", "https://10.0.0.5", "https://localhost", "casework"]
)
def test_production_refuses_addresses_browsers_refuse(base_url):
    with pytest.raises(ConfigurationError, match="CASEWORK_BASE_URL"):
        passkey_relying_party(base_url, production=True)

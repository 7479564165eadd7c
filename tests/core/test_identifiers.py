from __future__ import annotations

import pytest

from casework.core.errors import DomainError
from casework.core.identifiers import normalise_identifier as normalise


@pytest.mark.parametrize(
    ("kind", "raw", "options", "expected"),
    [
        ("email", "  User_8812@Example.COM ", {}, "user_8812@example.com"),
        ("ip_address", "2001:DB8:0:0:0:0:0:1", {}, "2001:db8::1"),
        ("ip_address", "::ffff:192.0.2.7", {}, "192.0.2.7"),
        ("ip_address", "192.0.2.7", {}, "192.0.2.7"),
        ("phone", "+44 20 7946 0958", {}, "+442079460958"),
        ("phone", "020 7946 0958", {"default_region": "GB"}, "+442079460958"),
        ("screen_name", "@User_8812", {"service": "Example-Service"}, "example-service:user_8812"),
        ("account_id", "AbC123", {"service": "example"}, "example:AbC123"),
        ("profile_url", "HTTP://www.Example.org/u/8812/", {}, "https://example.org/u/8812"),
        ("device_id", "49-015420-323751-8", {"device_kind": "imei"}, "490154203237518"),
        ("device_id", "00-1A-2b-3C-4d-5E", {"device_kind": "mac"}, "00:1a:2b:3c:4d:5e"),
    ],
)
def test_it_normalises(kind, raw, options, expected):
    assert normalise(kind, raw, **options) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "options", "message"),
    [
        ("email", "user_8812.example.com", {}, "is not an e-mail address"),
        ("ip_address", "300.1.2.3", {}, "is not an IPv4 or IPv6 address"),
        ("phone", "12", {}, "is not a phone number"),
        ("device_id", "490154203237519", {"device_kind": "imei"}, "valid check digit"),
        ("profile_url", "ftp://example.org/x", {}, "is not a web address"),
        ("colour", "blue", {}, "Unknown identifier kind"),
        ("email", "   ", {}, "is empty"),
    ],
)
def test_it_explains_invalid_values(kind, raw, options, message):
    with pytest.raises(DomainError, match=message):
        normalise(kind, raw, **options)


@pytest.mark.parametrize("raw", ["http://[x", "https://[::1/u", "http://x]/u", "["])
def test_it_refuses_a_web_address_with_a_broken_bracket_in_plain_words(raw):
    # urlsplit raises ValueError("Invalid IPv6 URL") here; it must not escape as a crash.
    with pytest.raises(DomainError) as caught:
        normalise("profile_url", raw)
    (problem,) = caught.value.errors
    assert problem.field == "value"
    assert "is not a web address" in problem.message
    assert "IPv6" not in problem.message

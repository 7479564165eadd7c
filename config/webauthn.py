"""The WebAuthn relying party (passkeys) derived from ``CASEWORK_BASE_URL``.

Threat: a passkey is bound to a host name and answers only to pages served from it, which is
what makes it phishing-resistant. Getting the host wrong does not weaken that, it breaks every
enrolment, so the values are derived from the one address operators already set and a
deployment whose address cannot carry passkeys is refused at start-up.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .env import ConfigurationError

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def passkey_relying_party(base_url: str, *, production: bool) -> tuple[str, list[str]]:
    """``(rp_id, allowed_origins)`` for the address Casework is served under.

    Browsers accept no IP address as a relying party and allow plain HTTP only for
    ``localhost``, so the development default (``http://127.0.0.1:8000``) becomes ``localhost``:
    passkeys then work when Casework is opened at ``http://localhost:8000``."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in {"http", "https"}:
        raise ConfigurationError(
            f"CASEWORK_BASE_URL={base_url!r} must be an address such as https://casework.example.org."
        )
    port = f":{parts.port}" if parts.port else ""
    if host in _LOOPBACK and not production:
        return "localhost", [f"{parts.scheme}://localhost{port}"]
    if production and (parts.scheme != "https" or _is_ip(host) or host in _LOOPBACK):
        raise ConfigurationError(
            f"CASEWORK_BASE_URL={base_url!r} must be https:// and a host name (not an IP address) "
            "in production: passkeys are bound to it and browsers refuse anything else."
        )
    return host, [f"{parts.scheme}://{host}{port}"]

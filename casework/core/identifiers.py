"""Identifiers of reported people and accounts, and their normal forms.

Deconfliction works only if the same account is written the same way everywhere:
``User@Example.COM`` and ``user@example.com`` must match, ``2001:DB8::1`` and
``2001:db8:0:0:0:0:0:1`` too. Both referrals and cases store the raw form (what the source sent,
which may be read in court) beside the normal form (what is compared). ``normalise_identifier``
raises ``DomainError`` with a message that says what a valid value looks like.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from django.db import models

from .errors import DomainError


class IdentifierKind(models.TextChoices):
    EMAIL = "email", "E-mail address"
    SCREEN_NAME = "screen_name", "Screen name / user name"
    ACCOUNT_ID = "account_id", "Provider account id"
    PROFILE_URL = "profile_url", "Profile URL"
    IP_ADDRESS = "ip_address", "IP address"
    PHONE = "phone", "Phone number"
    DEVICE_ID = "device_id", "Device id"


class DeviceIdKind(models.TextChoices):
    IMEI = "imei", "IMEI"
    MEID = "meid", "MEID"
    ICCID = "iccid", "ICCID (SIM)"
    IMSI = "imsi", "IMSI"
    MAC = "mac", "MAC address"
    SERIAL = "serial", "Serial number"
    ADVERTISING_ID = "advertising_id", "Advertising id"
    OTHER = "other", "Other"


class IpEvent(models.TextChoices):
    LOGIN = "login", "Login"
    UPLOAD = "upload", "Upload"
    REGISTRATION = "registration", "Registration"
    SESSION = "session", "Session"
    OTHER = "other", "Other"


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DIGITS = re.compile(r"\D")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _device(raw: str, device_kind: str) -> str:
    if device_kind in (DeviceIdKind.IMEI, DeviceIdKind.ICCID, DeviceIdKind.IMSI):
        digits = _DIGITS.sub("", raw)
        if device_kind == DeviceIdKind.IMEI and not (len(digits) == 15 and _luhn_ok(digits)):
            raise DomainError("An IMEI has 15 digits with a valid check digit.", field="value")
        if device_kind == DeviceIdKind.ICCID and not 18 <= len(digits) <= 22:
            raise DomainError("An ICCID has 18 to 22 digits.", field="value")
        if device_kind == DeviceIdKind.IMSI and not 14 <= len(digits) <= 15:
            raise DomainError("An IMSI has 14 or 15 digits.", field="value")
        return digits
    if device_kind == DeviceIdKind.MAC:
        hexdigits = re.sub(r"[^0-9a-fA-F]", "", raw).lower()
        if len(hexdigits) != 12:
            raise DomainError("A MAC address has 12 hexadecimal digits.", field="value")
        return ":".join(hexdigits[i : i + 2] for i in range(0, 12, 2))
    if device_kind == DeviceIdKind.MEID:
        hexdigits = re.sub(r"[^0-9a-fA-F]", "", raw).upper()
        if len(hexdigits) != 14:
            raise DomainError("An MEID has 14 hexadecimal digits.", field="value")
        return hexdigits
    return re.sub(r"\s+", "", raw).lower()


def normalise_identifier(
    kind: str,
    raw: str,
    *,
    service: str = "",
    device_kind: str = "",
    default_region: str | None = None,
) -> str:
    """Return the comparable form of ``raw``; raise DomainError(field="value") if it is invalid.

    ``service`` qualifies screen names and account ids (``example-service:user_8812``), since the
    same name on two services is two people. ``default_region`` (ISO 3166 alpha-2) lets a phone
    number without ``+`` be read as a national number of that country.
    """
    value = (raw or "").strip()
    if not value:
        raise DomainError("The identifier is empty.", field="value")
    if kind == IdentifierKind.EMAIL:
        if not _EMAIL.match(value):
            raise DomainError(f"{value!r} is not an e-mail address.", field="value")
        return value.lower()
    if kind == IdentifierKind.IP_ADDRESS:
        try:
            address = ipaddress.ip_address(value.strip("[]"))
        except ValueError:
            raise DomainError(f"{value!r} is not an IPv4 or IPv6 address.", field="value") from None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return address.compressed
    if kind == IdentifierKind.PHONE:
        try:
            number = phonenumbers.parse(value, default_region)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise DomainError(
                f"{value!r} is not a phone number: give it with its country code, e.g. +44…",
                field="value",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind in (IdentifierKind.SCREEN_NAME, IdentifierKind.ACCOUNT_ID):
        name = value.lstrip("@").lower() if kind == IdentifierKind.SCREEN_NAME else value
        service_key = service.strip().lower()
        return f"{service_key}:{name}" if service_key else name
    if kind == IdentifierKind.PROFILE_URL:
        try:
            parts = urlsplit(value if "://" in value else f"https://{value}")
        except ValueError:
            # An unbalanced "[" or "]" (urlsplit reads it as a broken IPv6 host).
            parts = None
        if parts is None or not parts.netloc or parts.scheme not in ("http", "https"):
            raise DomainError(f"{value!r} is not a web address.", field="value")
        host = parts.netloc.lower().removeprefix("www.")
        return urlunsplit(("https", host, parts.path.rstrip("/"), parts.query, ""))
    if kind == IdentifierKind.DEVICE_ID:
        if device_kind and device_kind not in DeviceIdKind.values:
            raise DomainError(f"Unknown device id type {device_kind!r}.", field="device_kind")
        return _device(value, device_kind or DeviceIdKind.OTHER)
    raise DomainError(f"Unknown identifier kind {kind!r}.", field="kind")


# --- Finding an identifier as a person types it -------------------------------------------------

# Kinds whose normal form is qualified by the service when one was given
# (``example-service:user_8812``).
SERVICE_QUALIFIED_KINDS = (IdentifierKind.ACCOUNT_ID, IdentifierKind.SCREEN_NAME)


def identifier_readings(text: str) -> list[tuple[str, str]]:
    """Every ``(kind, normal form)`` the typed ``text`` can be read as, without a service.

    What a person types into a search box: ``User_8812`` is a screen name (``user_8812``) and an
    account id (``User_8812``); `` +44 20 7946 0000 `` a phone number; ``192.0.2. 1`` (spaces
    slipped in) an IP address. Kinds the text is not valid for are left out."""
    text = (text or "").strip()
    readings: list[tuple[str, str]] = []
    squeezed = re.sub(r"\s+", "", text)
    for kind in IdentifierKind.values:
        for candidate in dict.fromkeys((text, squeezed)):
            try:
                normal = normalise_identifier(kind, candidate)
            except DomainError:
                continue
            if (kind, normal) not in readings:
                readings.append((kind, normal))
            break
    return readings

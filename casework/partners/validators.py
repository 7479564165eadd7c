"""Checks on directory data: country codes (ISO 3166-1 alpha-2), languages and time zones.

The country list comes from ``pycountry`` (the ISO tables, kept current upstream) rather than a
hand-kept copy; time zones from the IANA database through ``zoneinfo``.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

import pycountry

from casework.core.errors import DomainError


def country_normalise(value: str, *, field: str = "country") -> str:
    """``"fr"`` → ``"FR"``; an unknown or malformed code is a DomainError naming the field."""
    code = (value or "").strip().upper()
    if not code:
        raise DomainError("Give the agency's country as an ISO 3166 code, e.g. FR.", field=field)
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise DomainError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code (for example FR, DE, US).",
            field=field,
        )
    return code


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country is not None else code


@cache
def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def languages_normalise(values, *, field: str = "languages") -> list[str]:
    """ISO 639 codes (``en``, ``fra``), lower-case, de-duplicated, order kept."""
    if isinstance(values, str):
        values = [part for part in values.replace(";", ",").split(",")]
    result: list[str] = []
    for raw in values or []:
        code = raw.strip().lower()
        if not code:
            continue
        found = (
            pycountry.languages.get(alpha_2=code)
            if len(code) == 2
            else pycountry.languages.get(alpha_3=code)
            if len(code) == 3
            else None
        )
        if found is None:
            raise DomainError(
                f"{raw.strip()!r} is not an ISO 639 language code (for example en, fr, deu).",
                field=field,
            )
        if code not in result:
            result.append(code)
    return result


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_validate(value: str, *, field: str = "time_zone") -> str:
    zone = (value or "").strip()
    if zone and zone not in _zones():
        raise DomainError(
            f"{zone!r} is not an IANA time zone (for example Europe/Paris, America/New_York).",
            field=field,
        )
    return zone

"""The one set of input validators every edge uses: web forms, the API, imports and commands.

Threat: input PostgreSQL refuses (a NUL byte, a lone surrogate, an integer wider than its column,
a time before year 1 once its offset is applied) used to reach the database and come back as a
500 — or worse, be stored and then break every page that reads it (a ``0001-01-01T00:00:00+05:00``
received time took down a unit's referral list). Text that PostgreSQL accepts can still mislead a
reader: an ESC sequence repaints a terminal, U+202E reverses what follows it in a court bundle.

So the rules live here once:
- ``clean_text`` / ``text_problem``: no NUL, no C0/C1 control characters but tab and line breaks
  (line breaks only where the field is multi-line), no bidirectional overrides or isolates, no lone
  surrogates, and a length limit.
- ``datetime_problem``: a date and time lies in a plausible range, 1970 to ten years ahead unless
  the field narrows it (a received time is not in the future).
- ``integer_problem``: a number lies in the range its meaning allows, and never outside the
  column that stores it.

They return a message (or raise ``DomainError``) a person can act on; the Django form and DRF base
classes in ``casework.core.forms`` and ``casework.core.serializers`` attach them to every field of
every form and serializer, and the request middleware refuses what no field may hold (NUL and lone
surrogates) before any view runs.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

from .errors import DomainError

# Characters no text field keeps. Tab, LF and CR are decided per field (single- or multi-line).
_CONTROL = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)) + "".join(
    chr(c) for c in range(0x7F, 0xA0)
)
# Bidirectional embeddings, overrides and isolates (the "Trojan Source" characters, CVE-2021-42574).
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FORBIDDEN = re.compile(f"[{re.escape(_CONTROL + _BIDI)}\ud800-\udfff]")
_LINE_BREAK = re.compile(r"[\r\n]")
# What PostgreSQL itself refuses in text: checked on every request before any view runs.
_POSTGRES_REFUSES = re.compile("[\x00\ud800-\udfff]")

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_YEARS = 10
# Slack for clocks a little ahead of ours (a partner's server, a phone) where "not in the future"
# is the rule.
CLOCK_SKEW = timedelta(minutes=10)

# PostgreSQL's integer columns.
SMALLINT = (-(2**15), 2**15 - 1)
INTEGER = (-(2**31), 2**31 - 1)
BIGINT = (-(2**63), 2**63 - 1)

DEFAULT_MAX_LENGTH = 10_000


def _describe(char: str) -> str:
    code = ord(char)
    if code == 0:
        return "a NUL character"
    if 0xD800 <= code <= 0xDFFF:
        return "a broken character (a lone surrogate)"
    if char in _BIDI:
        return f"a text-direction control character (U+{code:04X})"
    return f"a control character (U+{code:04X})"


def postgres_refuses(value: str) -> bool:
    """True when PostgreSQL would refuse this text outright (NUL or a lone surrogate)."""
    return _POSTGRES_REFUSES.search(value) is not None


def text_problem(value: str, *, multiline: bool = False, max_length: int | None = None) -> str:
    """Why ``value`` may not be stored as text, or ``""`` when it may."""
    found = _FORBIDDEN.search(value)
    if found is not None:
        return f"Remove {_describe(found.group())}: it cannot be stored."
    if not multiline and _LINE_BREAK.search(value):
        return "Keep this on one line."
    limit = max_length or DEFAULT_MAX_LENGTH
    if len(value) > limit:
        return f"Shorten this to {limit:,} characters or fewer (it has {len(value):,})."
    return ""


def clean_text(
    value: Any,
    *,
    field: str,
    max_length: int | None = None,
    multiline: bool = False,
    required: bool = False,
) -> str:
    """``value`` as stripped text, or ``DomainError`` naming ``field`` and what is wrong.

    Anything but a string (a number, an object) is refused rather than turned into its repr: an
    agency given as ``{"name": …}`` must not be stored as ``"{'name': …}"``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError("Give text here, not a number, list or object.", field=field)
    value = value.strip()
    if required and not value:
        raise DomainError("This is required.", field=field)
    problem = text_problem(value, multiline=multiline, max_length=max_length)
    if problem:
        raise DomainError(problem, field=field)
    return value


def latest_allowed(now: datetime | None = None) -> datetime:
    """The latest time any field accepts: ten years ahead (a court date, a retention review)."""
    return (now or timezone.now()) + timedelta(days=365 * FUTURE_YEARS + 3)


def _show(moment: datetime | date) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if isinstance(moment, datetime) else str(moment)


def datetime_problem(
    value: datetime,
    *,
    earliest: datetime | None = None,
    latest: datetime | None = None,
    not_future: bool = False,
) -> str:
    """Why ``value`` is not a plausible time for this field, or ``""``.

    A naive time is refused: without its zone the instant it names is unknown."""
    if timezone.is_naive(value):
        return "Give the time zone too, e.g. 2026-03-01T09:30:00Z or +01:00."
    earliest = earliest or EARLIEST
    try:
        moment = value.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 once its offset is applied
        if value.year < 2000:
            return f"Give a date on or after {_show(earliest)[:10]}."
        return "This cannot be in the future." if not_future else "This date is too far ahead."
    now = timezone.now()
    latest = (now + CLOCK_SKEW) if not_future else (latest or latest_allowed(now))
    if moment < earliest:
        return f"Give a date on or after {_show(earliest)[:10]}."
    if moment > latest:
        if not_future:
            return "This cannot be in the future."
        return f"Give a date on or before {_show(latest)[:10]}."
    return ""


def date_problem(value: date, *, earliest: date | None = None, latest: date | None = None) -> str:
    """Why ``value`` is not a plausible calendar date, or ``""``."""
    earliest = earliest or EARLIEST.date()
    latest = latest or latest_allowed().date()
    if value < earliest:
        return f"Give a date on or after {earliest}."
    if value > latest:
        return f"Give a date on or before {latest}."
    return ""


def check_datetime(value: datetime | None, *, field: str, **bounds: Any) -> datetime | None:
    """``value`` unchanged, or ``DomainError`` when it is outside its plausible range."""
    if value is None:
        return None
    problem = datetime_problem(value, **bounds)
    if problem:
        raise DomainError(problem, field=field)
    return value


def integer_problem(value: Any, *, minimum: int, maximum: int) -> str:
    """Why ``value`` is not a whole number in ``[minimum, maximum]``, or ``""``.

    Booleans are refused (``True`` is an ``int`` in Python, never a count), as are floats with a
    fraction (``80.7`` is not a port, and truncating it would store something nobody sent)."""
    if isinstance(value, bool):
        return "Give a whole number."
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            return "Give a whole number."
        value = int(value)
    if not isinstance(value, int):
        return "Give a whole number."
    if not minimum <= value <= maximum:
        return f"Give a number from {minimum:,} to {maximum:,}."
    return ""


def check_integer(value: Any, *, field: str, minimum: int, maximum: int) -> int:
    """``value`` as an ``int``, or ``DomainError`` naming ``field``."""
    problem = integer_problem(value, minimum=minimum, maximum=maximum)
    if problem:
        raise DomainError(problem, field=field)
    return int(value)

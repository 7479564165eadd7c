"""Reminder offsets as people write them ("14d, 1d, 2h") and as the sweep stores them."""

from __future__ import annotations

import re
from datetime import timedelta

MAX_OFFSET = timedelta(days=60)
_PART = re.compile(r"^(\d+)\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offsets(text: str) -> list[timedelta]:
    """'7d, 1d, 2h' → [7 days, 1 day, 2 hours], largest first, duplicates dropped."""
    offsets: set[timedelta] = set()
    for raw in re.split(r"[,\s]+", (text or "").strip().lower()):
        if not raw:
            continue
        match = _PART.match(raw)
        if match is None:
            raise ValueError(
                f"{raw!r} is not an offset: write a number and d, h or m, e.g. '7d, 1d, 2h'."
            )
        offset = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        if offset <= timedelta(0) or offset > MAX_OFFSET:
            raise ValueError(f"{raw!r}: a reminder must be between 1 minute and 60 days ahead.")
        offsets.add(offset)
    return sorted(offsets, reverse=True)


def format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"


def format_offsets(offsets: list[timedelta]) -> str:
    return ", ".join(format_offset(o) for o in sorted(offsets, reverse=True))

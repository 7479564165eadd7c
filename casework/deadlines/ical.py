"""An RFC 5545 calendar of deadlines, written by hand (a few properties do not need a library).

The feed leaves the system (it is synced to phones and mail servers), so events carry the
kind of clock, the case number and a link, never notes or other case content.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.urls import reverse

from .models import Deadline

PRODID = "-//Casework//Deadlines//EN"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# RFC 5545 3.8.1.11 allows an event TENTATIVE, CONFIRMED or CANCELLED. A waived deadline no
# longer applies and an extended one is replaced by its extension (its own event): both are
# CANCELLED. A met or missed one keeps CONFIRMED: its due time was real, and a missed one is
# still owed, so a client must not strike it through or hide it. CATEGORIES carries the state.
_STATUS = {"waived": "CANCELLED", "extended": "CANCELLED"}


def calendar_for(deadlines: Iterable[Deadline], *, name: str, now: datetime, base_url: str) -> str:
    """The calendar; ``base_url`` (scheme and host, no trailing slash) prefixes each link."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for deadline in deadlines:
        url = base_url + reverse("deadlines:detail", args=[deadline.reference])
        state = deadline.get_state_display()
        summary = f"{deadline.get_kind_display()} · {deadline.subject_label}"
        if deadline.state != "open":
            summary += f" ({state.lower()})"
        # A due time is an instant: DTSTART alone (RFC 5545 3.6.1); a DTEND equal to it is
        # invalid (3.8.2.2: DTEND must be later).
        lines += [
            "BEGIN:VEVENT",
            f"UID:{deadline.reference}@casework",
            f"DTSTAMP:{_stamp(now)}",
            f"LAST-MODIFIED:{_stamp(deadline.updated_at)}",
            f"DTSTART:{_stamp(deadline.due_at)}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(f'{state}. Reckoned in {deadline.time_zone}. {url}')}",
            f"URL:{url}",
            f"CATEGORIES:{_escape(state)}",
            "TRANSP:TRANSPARENT",
            f"STATUS:{_STATUS.get(deadline.state, 'CONFIRMED')}",
        ]
        if deadline.state == "open":
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{_escape(summary)}",
                "TRIGGER:-PT1H",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"

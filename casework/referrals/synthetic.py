"""Synthetic, neutral referral rows for examples, tests, demo data and the benchmark.

Every value is invented: "Synthetic referral 000042", accounts like ``user_8812`` at
``example.invalid``, addresses from the documentation ranges (192.0.2.0/24, 2001:db8::/32),
phone numbers from fictional ranges. Nothing here describes any content.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from casework.core.csv import neutralise

from .choices import SourceKind

_KINDS = list(SourceKind.values)
_AGENCIES = {
    "industry": "Example Service Provider",
    "hotline": "Example Hotline",
    "public": "Public reporting form",
    "national_le": "Example National Police",
    "foreign_le": "Example Foreign Police",
    "interpol": "INTERPOL Example NCB",
}
_TYPES = ["abuse-material", "online-enticement", "misleading-domain", "unsolicited-material"]


def _luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def synthetic_row(
    n: int,
    *,
    base: datetime | None = None,
    prefix: str = "SYN",
    spacing: timedelta = timedelta(minutes=1),
) -> dict[str, Any]:
    """Referral number ``n`` with three identifiers (e-mail, IP with event, and a third that
    cycles through screen name, phone, device id and profile URL), received ``n * spacing``
    after ``base``."""
    base = base or datetime(2026, 1, 1, tzinfo=UTC)
    kind = _KINDS[n % len(_KINDS)]
    received = base + n * spacing
    third_kinds = [
        {"kind": "screen_name", "value": f"@User_{n:06d}", "service": "example-chat"},
        {"kind": "phone", "value": f"+44 7700 9{n % 100000:05d}"},
        {
            "kind": "device_id",
            "value": (body := f"35{n % 10**12:012d}") + _luhn_digit(body),
            "device_kind": "imei",
        },
        {"kind": "profile_url", "value": f"https://social.example.invalid/u/user_{n}"},
    ]
    return {
        "source_kind": kind,
        "source_agency": _AGENCIES[kind],
        "source_reference": f"{prefix}-{n:07d}",
        "received_at": received.isoformat().replace("+00:00", "Z"),
        "incident_at": (received - timedelta(days=2)).isoformat().replace("+00:00", "Z"),
        "incident_type": _TYPES[n % len(_TYPES)],
        "jurisdiction": "GB",
        "priority": f"P{n % 4 + 1}",
        "source_priority": ["E", "1", "2", "3"][n % 4] if kind == "industry" else "",
        "escalation_requested": n % 10 == 0,
        "summary": f"Synthetic referral {n:06d}.",
        "identifiers": [
            {"kind": "email", "value": f"User_{n}@Example.invalid"},
            {
                "kind": "ip_address",
                "value": f"192.0.2.{n % 254 + 1}" if n % 2 else f"2001:DB8::{n % 65535:x}",
                "ip_event": ["login", "upload", "registration"][n % 3],
                "observed_at": (received - timedelta(days=3)).isoformat().replace("+00:00", "Z"),
                "port": 1024 + n % 60000,
            },
            third_kinds[n % 4],
        ],
    }


def write_jsonl(path, count: int, *, start: int = 1, prefix: str = "SYN") -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(start, start + count):
            handle.write(json.dumps(synthetic_row(n, prefix=prefix)) + "\n")


CSV_IDENTIFIER_SLOTS = 3
CSV_HEADER = [
    "source_kind",
    "source_agency",
    "source_reference",
    "received_at",
    "incident_at",
    "incident_type",
    "jurisdiction",
    "priority",
    "source_priority",
    "escalation_requested",
    "summary",
    *[
        f"identifier{slot}_{name}"
        for slot in range(1, CSV_IDENTIFIER_SLOTS + 1)
        for name in ("kind", "value", "service", "device_kind", "ip_event", "observed_at", "port")
    ],
]


def csv_cells(row: dict[str, Any]) -> list[str]:
    cells = [
        "true" if value is True else "false" if value is False else str(value)
        for value in (row[name] for name in CSV_HEADER[:11])
    ]
    for slot in range(CSV_IDENTIFIER_SLOTS):
        item = row["identifiers"][slot] if slot < len(row["identifiers"]) else {}
        for name in ("kind", "value", "service", "device_kind", "ip_event", "observed_at", "port"):
            cells.append(str(item.get(name, "")))
    return cells


def write_csv(path, count: int, *, start: int = 1, prefix: str = "SYN") -> None:
    # Synthetic cells never start with a formula character except phone numbers ("+44…"),
    # which an importer must read back unchanged: so this writer does not neutralise.
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for n in range(start, start + count):
            writer.writerow(csv_cells(synthetic_row(n, prefix=prefix)))


def csv_text(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(csv_cells(row))
    return buffer.getvalue()


__all__ = ["csv_text", "neutralise", "synthetic_row", "write_csv", "write_jsonl"]

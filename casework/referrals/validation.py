"""Checking and cleaning referral input, shared by the web form, the API and the bulk import.

One function decides what a valid referral is, so a file that imports cleanly would also have
been accepted one row at a time through the API, and the error messages read the same
everywhere. It touches no database (incident types are passed in), which lets the importer
validate 100,000 rows without a query per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from casework.cases.choices import Priority
from casework.core.errors import DomainError, FieldError
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent, normalise_identifier

from .choices import SourceKind

MAX_SUMMARY = 5000
FUTURE_TOLERANCE = timedelta(minutes=10)
# TextChoices.values builds a new list on every access; the importer asks millions of times.
IDENTIFIER_KINDS = frozenset(IdentifierKind.values)
DEVICE_KINDS = frozenset(DeviceIdKind.values)
IP_EVENTS = frozenset(IpEvent.values)
SOURCE_KINDS = frozenset(SourceKind.values)
PRIORITIES = frozenset(Priority.values)
_IP_ADDRESS = IdentifierKind.IP_ADDRESS.value
_DEVICE_ID = IdentifierKind.DEVICE_ID.value
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


@dataclass
class CleanIdentifier:
    kind: str
    raw: str
    normal: str
    service: str = ""
    device_kind: str = ""
    ip_event: str = ""
    observed_at: datetime | None = None
    port: int | None = None


@dataclass
class CleanReferral:
    source_kind: str
    source_agency: str
    source_reference: str
    received_at: datetime
    priority: str
    incident_at: datetime | None = None
    incident_type_id: int | None = None
    jurisdiction: str = ""
    source_priority: str = ""
    escalation_requested: bool = False
    summary: str = ""
    identifiers: list[CleanIdentifier] = field(default_factory=list)

    @property
    def source_key(self) -> tuple[str, str]:
        return (self.source_agency, self.source_reference)


def triage_due(received_at: datetime, priority: str) -> datetime:
    """When triage must end: received time plus the priority's clock (CASEWORK_TRIAGE_CLOCKS)."""
    return received_at + settings.CASEWORK_TRIAGE_CLOCKS[priority]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def parse_time(value: Any, *, field_name: str, errors: list[FieldError]) -> datetime | None:
    """ISO 8601 with a zone offset (``2026-03-01T09:30:00Z``); datetimes pass through."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.append(
                FieldError(
                    field_name,
                    f"{value!r} is not a date and time: use ISO 8601, e.g. 2026-03-01T09:30:00Z.",
                )
            )
            return None
    if timezone.is_naive(parsed):
        errors.append(
            FieldError(field_name, "Give the time zone too, e.g. 2026-03-01T09:30:00Z or +01:00.")
        )
        return None
    return parsed


def parse_bool(value: Any, *, field_name: str, errors: list[FieldError]) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.append(FieldError(field_name, f"{value!r} is not yes/no: use true or false."))
    return False


def clean_identifier(
    data: Mapping[str, Any], *, prefix: str, errors: list[FieldError]
) -> CleanIdentifier | None:
    """One identifier: ``kind``, ``value`` and the optional details that belong to its kind."""
    before = len(errors)
    kind = _text(data.get("kind")).lower()
    raw = str(data.get("value") if data.get("value") is not None else data.get("raw") or "")
    raw = raw.strip()
    service = _text(data.get("service"))
    device_kind = _text(data.get("device_kind")).lower()
    ip_event = _text(data.get("ip_event")).lower()
    observed_at = parse_time(
        data.get("observed_at"), field_name=f"{prefix}.observed_at", errors=errors
    )
    port_value = data.get("port")
    port: int | None = None
    if kind not in IDENTIFIER_KINDS:
        errors.append(
            FieldError(
                f"{prefix}.kind",
                f"{kind or 'nothing'!r} is not an identifier kind: use one of "
                + ", ".join(IdentifierKind.values)
                + ".",
            )
        )
        return None
    if port_value not in (None, ""):
        try:
            port = int(port_value)
        except (TypeError, ValueError):
            port = -1
        if not 0 <= port <= 65535:
            errors.append(FieldError(f"{prefix}.port", "A port is a number from 0 to 65535."))
    if kind != _IP_ADDRESS and (ip_event or port is not None):
        errors.append(
            FieldError(f"{prefix}.ip_event", "Event and port belong to IP addresses only.")
        )
    if ip_event and ip_event not in IP_EVENTS:
        errors.append(
            FieldError(
                f"{prefix}.ip_event",
                f"{ip_event!r} is not an IP event: use one of " + ", ".join(IpEvent.values) + ".",
            )
        )
    if device_kind and kind != _DEVICE_ID:
        errors.append(
            FieldError(f"{prefix}.device_kind", "A device type belongs to device ids only.")
        )
    elif device_kind and device_kind not in DEVICE_KINDS:
        errors.append(
            FieldError(
                f"{prefix}.device_kind",
                f"{device_kind!r} is not a device id type: use one of "
                + ", ".join(DeviceIdKind.values)
                + ".",
            )
        )
        device_kind = ""
    if len(raw) > 500 or len(service) > 200:
        errors.append(FieldError(f"{prefix}.value", "An identifier has at most 500 characters."))
        return None
    try:
        normal = normalise_identifier(kind, raw, service=service, device_kind=device_kind)
    except DomainError as error:
        for problem in error.errors:
            name = problem.field if problem.field in ("value", "device_kind", "kind") else "value"
            errors.append(FieldError(f"{prefix}.{name}", problem.message))
        return None
    if len(errors) > before:
        return None
    return CleanIdentifier(
        kind=kind,
        raw=raw,
        normal=normal,
        service=service,
        device_kind=device_kind,
        ip_event=ip_event,
        observed_at=observed_at,
        port=port,
    )


def clean_referral(
    data: Mapping[str, Any],
    *,
    incident_types: Mapping[str, int],
    now: datetime | None = None,
) -> tuple[CleanReferral | None, list[FieldError]]:
    """Validate one referral; return it cleaned, or None and every problem found.

    ``incident_types`` maps an active incident type's code to its id. ``data["identifiers"]`` is
    a list of mappings (see ``clean_identifier``).
    """
    errors: list[FieldError] = []
    now = now or timezone.now()
    source_kind = _text(data.get("source_kind")).lower()
    if source_kind not in SOURCE_KINDS:
        errors.append(
            FieldError(
                "source_kind",
                f"{source_kind or 'nothing'!r} is not a source kind: use one of "
                + ", ".join(SourceKind.values)
                + ".",
            )
        )
    agency = _text(data.get("source_agency"))
    reference = _text(data.get("source_reference"))
    if not agency:
        errors.append(FieldError("source_agency", "Name the agency or service that sent it."))
    elif len(agency) > 200:
        errors.append(FieldError("source_agency", "At most 200 characters."))
    if not reference:
        errors.append(FieldError("source_reference", "Give the source's own reference."))
    elif len(reference) > 200:
        errors.append(FieldError("source_reference", "At most 200 characters."))
    received_at = parse_time(data.get("received_at"), field_name="received_at", errors=errors)
    if received_at is None and not any(e.field == "received_at" for e in errors):
        errors.append(FieldError("received_at", "Give the time the referral was received."))
    if received_at is not None and received_at > now + FUTURE_TOLERANCE:
        errors.append(FieldError("received_at", "The received time is in the future."))
    incident_at = parse_time(data.get("incident_at"), field_name="incident_at", errors=errors)
    if incident_at is not None and received_at is not None and incident_at > received_at:
        errors.append(FieldError("incident_at", "The incident time is after the received time."))
    priority = _text(data.get("priority")).upper() or "P3"
    if priority not in PRIORITIES:
        errors.append(FieldError("priority", f"{priority!r} is not a priority: use P1 to P4."))
    type_code = data.get("incident_type")
    incident_type_id: int | None = None
    if isinstance(type_code, int):
        incident_type_id = type_code
    elif type_code not in (None, ""):
        incident_type_id = incident_types.get(_text(type_code).lower())
        if incident_type_id is None:
            errors.append(
                FieldError(
                    "incident_type",
                    f"{type_code!r} is not an active incident type: use one of "
                    + ", ".join(incident_types)
                    + ".",
                )
            )
    jurisdiction = _text(data.get("jurisdiction"))
    if len(jurisdiction) > 100:
        errors.append(FieldError("jurisdiction", "At most 100 characters."))
    source_priority = _text(data.get("source_priority"))
    if len(source_priority) > 60:
        errors.append(FieldError("source_priority", "At most 60 characters."))
    escalation = parse_bool(
        data.get("escalation_requested"), field_name="escalation_requested", errors=errors
    )
    summary = str(data.get("summary") or "").strip()
    if len(summary) > MAX_SUMMARY:
        errors.append(FieldError("summary", f"At most {MAX_SUMMARY} characters."))
    identifiers: list[CleanIdentifier] = []
    raw_identifiers = data.get("identifiers") or []
    if not isinstance(raw_identifiers, list | tuple):
        errors.append(FieldError("identifiers", "Identifiers are a list."))
        raw_identifiers = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(raw_identifiers):
        prefix = f"identifiers[{index}]"
        if not isinstance(item, Mapping):
            errors.append(FieldError(prefix, "Each identifier is an object with kind and value."))
            continue
        identifier = clean_identifier(item, prefix=prefix, errors=errors)
        if identifier is None:
            continue
        if (identifier.kind, identifier.normal) in seen:
            continue  # the same identifier twice in one report is recorded once
        seen.add((identifier.kind, identifier.normal))
        identifiers.append(identifier)
    if errors:
        return None, errors
    return (
        CleanReferral(
            source_kind=source_kind,
            source_agency=agency,
            source_reference=reference,
            received_at=received_at,
            priority=priority,
            incident_at=incident_at,
            incident_type_id=incident_type_id,
            jurisdiction=jurisdiction,
            source_priority=source_priority,
            escalation_requested=escalation,
            summary=summary,
            identifiers=identifiers,
        ),
        [],
    )

"""Checking and cleaning referral input, shared by the web form, the API and the bulk import.

One function decides what a valid referral is, so a file that imports cleanly would also have
been accepted one row at a time through the API, and the error messages read the same
everywhere. It touches no database (incident types are passed in), which lets the importer
validate 100,000 rows without a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework.cases.choices import Priority
from casework.core.errors import DomainError, FieldError
from casework.core.identifiers import DeviceIdKind, IdentifierKind, IpEvent, normalise_identifier
from casework.core.validation import clean_text, datetime_problem, integer_problem

from .choices import SourceKind

MAX_SUMMARY = 5000
MAX_IDENTIFIER = 500
PORTS = (0, 65535)
# TextChoices.values builds a new list on every access; the importer asks millions of times.
IDENTIFIER_KINDS = frozenset(IdentifierKind.values)
DEVICE_KINDS = frozenset(DeviceIdKind.values)
IP_EVENTS = frozenset(IpEvent.values)
SOURCE_KINDS = frozenset(SourceKind.values)
PRIORITIES = frozenset(Priority.values)
_IP_ADDRESS = IdentifierKind.IP_ADDRESS.value
_DEVICE_ID = IdentifierKind.DEVICE_ID.value
_CODE = re.compile(r"[A-Za-z0-9_-]{1,60}")
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


def _text(
    value: Any,
    *,
    field_name: str,
    errors: list[FieldError],
    max_length: int,
    multiline: bool = False,
) -> str | None:
    """``value`` as text with the shared rules (``casework.core.validation``), or None.

    Single-line text has its runs of spaces and tabs collapsed, as a form field shows them."""
    if value is None or value == "":
        return ""  # most optional fields of most rows: the importer's hot path
    try:
        text = clean_text(value, field=field_name, max_length=max_length, multiline=multiline)
    except DomainError as error:
        errors.extend(error.errors)
        return None
    return text if multiline else " ".join(text.split())


def _choice(value: Any, *, field_name: str, errors: list[FieldError]) -> str | None:
    """A code from a fixed list (kind, priority…), lower-cased; None when it is not text."""
    if isinstance(value, str) and _CODE.fullmatch(value):
        return value.lower()  # plainly a code, nothing to clean: the importer's hot path
    text = _text(value, field_name=field_name, errors=errors, max_length=200)
    return None if text is None else text.lower()


def _one_of(values) -> str:
    return ", ".join(values)


def parse_time(
    value: Any, *, field_name: str, errors: list[FieldError], not_future: bool = False
) -> datetime | None:
    """ISO 8601 with a zone offset (``2026-03-01T09:30:00Z``); datetimes pass through.

    Either way the time must be plausible (1970 to ten years ahead, or not in the future for a
    time that has already happened): one stored ``0001-01-01T00:00:00+05:00`` used to make
    every list of the unit fail."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = _text(value, field_name=field_name, errors=errors, max_length=100)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            errors.append(
                FieldError(
                    field_name,
                    f"{text!r} is not a date and time: use ISO 8601, e.g. 2026-03-01T09:30:00Z.",
                )
            )
            return None
    problem = datetime_problem(parsed, not_future=not_future)
    if problem:
        errors.append(FieldError(field_name, problem))
        return None
    return parsed


def parse_bool(value: Any, *, field_name: str, errors: list[FieldError]) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors.append(FieldError(field_name, f"{value!r} is not yes/no: use true or false."))
    return False


def parse_port(value: Any, *, field_name: str, errors: list[FieldError]) -> int | None:
    """A source port: a whole number 0–65535, as a number or as digits (a CSV cell)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        digits = value.strip()
        if not (digits.isascii() and digits.isdigit()):
            errors.append(FieldError(field_name, "Give a whole number."))
            return None
        # Python refuses to read more than 4,300 digits; anything over 10 is out of range anyway.
        value = int(digits) if len(digits) <= 10 else PORTS[1] + 1
    problem = integer_problem(value, minimum=PORTS[0], maximum=PORTS[1])
    if problem:
        errors.append(FieldError(field_name, problem))
        return None
    return int(value)


def clean_identifier(
    data: Mapping[str, Any], *, prefix: str, errors: list[FieldError]
) -> CleanIdentifier | None:
    """One identifier: ``kind``, ``value`` and the optional details that belong to its kind."""
    before = len(errors)
    kind = _choice(data.get("kind"), field_name=f"{prefix}.kind", errors=errors)
    if kind is None:
        return None
    if kind not in IDENTIFIER_KINDS:
        errors.append(
            FieldError(
                f"{prefix}.kind",
                f"{kind or 'nothing'!r} is not an identifier kind: use one of "
                + _one_of(IdentifierKind.values)
                + ".",
            )
        )
        return None
    value = data.get("value")
    raw = _text(
        data.get("raw") if value is None else value,  # "raw": an identifier row read back
        field_name=f"{prefix}.value",
        errors=errors,
        max_length=MAX_IDENTIFIER,
    )
    service = _text(
        data.get("service"), field_name=f"{prefix}.service", errors=errors, max_length=200
    )
    device_kind = _choice(
        data.get("device_kind"), field_name=f"{prefix}.device_kind", errors=errors
    )
    ip_event = _choice(data.get("ip_event"), field_name=f"{prefix}.ip_event", errors=errors)
    observed_at = parse_time(
        data.get("observed_at"), field_name=f"{prefix}.observed_at", errors=errors, not_future=True
    )
    port = parse_port(data.get("port"), field_name=f"{prefix}.port", errors=errors)
    device_kind = _check_details(
        kind, ip_event=ip_event, port=port, device_kind=device_kind, prefix=prefix, errors=errors
    )
    if raw is None or service is None or device_kind is None:
        return None
    normal = _normalised(
        kind, raw, service=service, device_kind=device_kind, prefix=prefix, errors=errors
    )
    if normal is None or len(errors) > before:
        return None
    return CleanIdentifier(
        kind=kind,
        raw=raw,
        normal=normal,
        service=service,
        device_kind=device_kind,
        ip_event=ip_event or "",
        observed_at=observed_at,
        port=port,
    )


def _check_details(
    kind: str,
    *,
    ip_event: str | None,
    port: int | None,
    device_kind: str | None,
    prefix: str,
    errors: list[FieldError],
) -> str | None:
    """Refuse details that do not belong to the identifier's kind; the device kind to keep."""
    if kind != _IP_ADDRESS and (ip_event or port is not None):
        errors.append(
            FieldError(f"{prefix}.ip_event", "Event and port belong to IP addresses only.")
        )
    if ip_event and ip_event not in IP_EVENTS:
        errors.append(
            FieldError(
                f"{prefix}.ip_event",
                f"{ip_event!r} is not an IP event: use one of " + _one_of(IpEvent.values) + ".",
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
                + _one_of(DeviceIdKind.values)
                + ".",
            )
        )
        device_kind = ""  # said once: not again by normalise_identifier
    return device_kind


def _normalised(
    kind: str, raw: str, *, service: str, device_kind: str, prefix: str, errors: list[FieldError]
) -> str | None:
    try:
        return normalise_identifier(kind, raw, service=service, device_kind=device_kind)
    except DomainError as error:
        for problem in error.errors:
            name = problem.field if problem.field in ("value", "device_kind", "kind") else "value"
            errors.append(FieldError(f"{prefix}.{name}", problem.message))
        return None


def _incident_type(
    value: Any, *, incident_types: Mapping[str, int], errors: list[FieldError]
) -> int | None:
    """The id of the active incident type whose code is ``value``.

    Only a code: an id (or ``true``, which Python counts as 1) would name a type without saying
    which, and could name a retired one."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors.append(
            FieldError(
                "incident_type",
                "Give the code of an incident type (text), e.g. "
                + (next(iter(incident_types), "abuse-material"))
                + ".",
            )
        )
        return None
    code = _choice(value, field_name="incident_type", errors=errors)
    if code is None:
        return None
    if not code:
        return None
    found = incident_types.get(code)
    if found is None:
        errors.append(
            FieldError(
                "incident_type",
                f"{code!r} is not an active incident type: use one of "
                + _one_of(incident_types)
                + ".",
            )
        )
    return found


def clean_referral(
    data: Mapping[str, Any], *, incident_types: Mapping[str, int]
) -> tuple[CleanReferral | None, list[FieldError]]:
    """Validate one referral; return it cleaned, or None and every problem found.

    ``incident_types`` maps an active incident type's code to its id. ``data["identifiers"]`` is
    a list of mappings (see ``clean_identifier``). Every value passes the shared validators of
    ``casework.core.validation``, so nothing PostgreSQL would refuse (and nothing that would
    break a page once stored) gets past this function.
    """
    errors: list[FieldError] = []
    source_kind, agency, reference = _source(data, errors)
    received_at, incident_at = _times(data, errors)
    priority = _priority(data, errors)
    incident_type_id = _incident_type(
        data.get("incident_type"), incident_types=incident_types, errors=errors
    )
    jurisdiction = _text(
        data.get("jurisdiction"), field_name="jurisdiction", errors=errors, max_length=100
    )
    source_priority = _text(
        data.get("source_priority"), field_name="source_priority", errors=errors, max_length=60
    )
    escalation = parse_bool(
        data.get("escalation_requested"), field_name="escalation_requested", errors=errors
    )
    summary = _text(
        data.get("summary"),
        field_name="summary",
        errors=errors,
        max_length=MAX_SUMMARY,
        multiline=True,
    )
    identifiers = _identifiers(data.get("identifiers") or [], errors)
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


def _source(data: Mapping[str, Any], errors: list[FieldError]):
    """Who sent the referral: the kind of source, the agency and its own reference."""
    source_kind = _choice(data.get("source_kind"), field_name="source_kind", errors=errors)
    if source_kind is not None and source_kind not in SOURCE_KINDS:
        errors.append(
            FieldError(
                "source_kind",
                f"{source_kind or 'nothing'!r} is not a source kind: use one of "
                + _one_of(SourceKind.values)
                + ".",
            )
        )
    agency = _text(
        data.get("source_agency"), field_name="source_agency", errors=errors, max_length=200
    )
    if agency == "":
        errors.append(FieldError("source_agency", "Name the agency or service that sent it."))
    reference = _text(
        data.get("source_reference"), field_name="source_reference", errors=errors, max_length=200
    )
    if reference == "":
        errors.append(FieldError("source_reference", "Give the source's own reference."))
    return source_kind, agency, reference


def _times(data: Mapping[str, Any], errors: list[FieldError]):
    """When the referral was received (required) and when the incident happened (optional)."""
    received_at = parse_time(
        data.get("received_at"), field_name="received_at", errors=errors, not_future=True
    )
    if received_at is None and not any(e.field == "received_at" for e in errors):
        errors.append(FieldError("received_at", "Give the time the referral was received."))
    incident_at = parse_time(
        data.get("incident_at"), field_name="incident_at", errors=errors, not_future=True
    )
    if incident_at is not None and received_at is not None and incident_at > received_at:
        errors.append(FieldError("incident_at", "The incident time is after the received time."))
    return received_at, incident_at


def _priority(data: Mapping[str, Any], errors: list[FieldError]) -> str | None:
    priority = _choice(data.get("priority"), field_name="priority", errors=errors)
    if priority is not None:
        priority = priority.upper() or "P3"
        if priority not in PRIORITIES:
            errors.append(FieldError("priority", f"{priority!r} is not a priority: use P1 to P4."))
    return priority


def _identifiers(raw_identifiers: Any, errors: list[FieldError]) -> list[CleanIdentifier]:
    """The referral's identifiers, each cleaned; one given twice is kept once."""
    identifiers: list[CleanIdentifier] = []
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
    return identifiers

"""The shared partner directory: agencies and their points of contact (with a version history)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from casework.audit.services import audit_record
from casework.core.errors import ConflictError, DomainError

from ..choices import AgencyKind
from ..models import Agency, Contact, ContactVersion, agency_label
from ..validators import country_normalise, languages_normalise, time_zone_validate
from .checks import choice, contact_of, require_directory_editor

CONTACT_FIELDS = (
    "name",
    "role",
    "email",
    "phone",
    "secure_channel",
    "languages",
    "time_zone",
    "active",
)
AGENCY_FIELDS = ("name", "country", "kind", "icse_connected", "duty_line", "notes")


# --- agencies ----------------------------------------------------------------------------------


def _agency_values(values: dict) -> dict:
    cleaned = dict(values)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise DomainError("Give the agency's name.", field="name")
    if "country" in cleaned:
        cleaned["country"] = country_normalise(cleaned["country"])
    if "kind" in cleaned:
        choice(cleaned["kind"], AgencyKind, field="kind", what="agency kind")
    for text in ("duty_line", "notes"):
        if text in cleaned:
            cleaned[text] = (cleaned[text] or "").strip()
    if "icse_connected" in cleaned:
        cleaned["icse_connected"] = bool(cleaned["icse_connected"])
    return cleaned


def _agency_unique(*, name: str, country: str, exclude: int | None = None) -> None:
    clash = Agency.objects.filter(name__iexact=name, country=country)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ConflictError(
            f"{agency_label(name, country)} is already in the directory.", field="name"
        )


def _unknown_fields(changes: dict, allowed) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])


def _apply(record, values: dict, *, shown=lambda value: value) -> dict:
    """Set the values that differ on ``record``; each change as ``[before, after]``."""
    diff = {}
    for key, value in values.items():
        before = getattr(record, key)
        if before != value:
            diff[key] = [shown(before), shown(value)]
            setattr(record, key, value)
    return diff


@transaction.atomic
def agency_create(
    *,
    actor,
    name: str,
    country: str,
    kind: str,
    icse_connected: bool = False,
    duty_line: str = "",
    notes: str = "",
) -> Agency:
    """Add an agency to the shared directory."""
    require_directory_editor(actor)
    values = _agency_values(
        {
            "name": name,
            "country": country,
            "kind": kind,
            "icse_connected": icse_connected,
            "duty_line": duty_line,
            "notes": notes,
        }
    )
    _agency_unique(name=values["name"], country=values["country"])
    agency = Agency.objects.create(created_by=actor, **values)
    audit_record(
        actor=actor,
        action="agency.create",
        target=agency,
        changes={key: [None, value] for key, value in values.items() if value not in ("", None)},
    )
    return agency


def _duty_contact(agency: Agency, duty: Contact | None) -> Contact | None:
    contact_of(agency, duty, field="duty_contact")
    if duty is not None and not duty.active:
        raise DomainError(
            f"{duty.name} is marked inactive; a 24/7 contact must be active.",
            field="duty_contact",
        )
    return duty


def _plain(value):
    if isinstance(value, Contact):
        return value.name
    return value


@transaction.atomic
def agency_update(*, actor, agency: Agency, **changes) -> Agency:
    """Change an agency's details; ``duty_contact`` must be a contact of the agency."""
    require_directory_editor(actor)
    _unknown_fields(changes, {*AGENCY_FIELDS, "duty_contact"})
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    values = _agency_values({k: v for k, v in changes.items() if k != "duty_contact"})
    if "duty_contact" in changes:
        values["duty_contact"] = _duty_contact(agency, changes["duty_contact"])
    if "name" in values or "country" in values:
        _agency_unique(
            name=values.get("name", agency.name),
            country=values.get("country", agency.country),
            exclude=agency.pk,
        )
    diff = _apply(agency, values, shown=_plain)
    if diff:
        agency.save()
        audit_record(actor=actor, action="agency.update", target=agency, changes=diff)
    return agency


# --- contacts ----------------------------------------------------------------------------------


def _contact_values(values: dict) -> dict:
    cleaned = dict(values)
    for text in ("name", "role", "email", "phone", "secure_channel"):
        if text in cleaned:
            cleaned[text] = (cleaned[text] or "").strip()
    if "name" in cleaned and not cleaned["name"]:
        raise DomainError("Give the contact's name.", field="name")
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError as error:
            raise DomainError(
                f"{cleaned['email']!r} is not an e-mail address.", field="email"
            ) from (error)
    if "languages" in cleaned:
        cleaned["languages"] = languages_normalise(cleaned["languages"])
    if "time_zone" in cleaned:
        cleaned["time_zone"] = time_zone_validate(cleaned["time_zone"])
    if "active" in cleaned:
        cleaned["active"] = bool(cleaned["active"])
    return cleaned


def _contact_version_keep(*, actor, contact: Contact) -> None:
    ContactVersion.objects.create(
        contact=contact,
        version=contact.version,
        snapshot={key: getattr(contact, key) for key in CONTACT_FIELDS},
        changed_by=actor,
        changed_at=timezone.now(),
    )


@transaction.atomic
def contact_create(
    *,
    actor,
    agency: Agency,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
    secure_channel: str = "",
    languages=(),
    time_zone: str = "",
    active: bool = True,
) -> Contact:
    """Add a person at an agency; version 1 of their history is kept."""
    require_directory_editor(actor)
    values = _contact_values(
        {
            "name": name,
            "role": role,
            "email": email,
            "phone": phone,
            "secure_channel": secure_channel,
            "languages": list(languages) if not isinstance(languages, str) else languages,
            "time_zone": time_zone,
            "active": active,
        }
    )
    contact = Contact.objects.create(agency=agency, version=1, **values)
    _contact_version_keep(actor=actor, contact=contact)
    audit_record(
        actor=actor,
        action="contact.create",
        target=contact,
        changes={
            key: [None, value] for key, value in values.items() if value not in ("", None, [])
        },
        details={"agency": agency.name},
    )
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, **changes) -> Contact:
    """Change a contact. The earlier version stays in ``ContactVersion`` and the audit event
    carries each changed field as ``[before, after]``. Nothing changes: nothing is written."""
    require_directory_editor(actor)
    _unknown_fields(changes, CONTACT_FIELDS)
    contact = Contact.objects.select_for_update().select_related("agency").get(pk=contact.pk)
    values = _contact_values(changes)
    if values.get("active") is False and contact.agency.duty_contact_id == contact.pk:
        raise DomainError(
            f"{contact.name} is the 24/7 contact of {contact.agency.name}; "
            "name another 24/7 contact first.",
            field="active",
        )
    diff = _apply(contact, values)
    if not diff:
        return contact
    contact.version += 1
    contact.save()
    _contact_version_keep(actor=actor, contact=contact)
    audit_record(
        actor=actor,
        action="contact.update",
        target=contact,
        changes=diff,
        details={"agency": contact.agency.name, "version": contact.version},
    )
    return contact

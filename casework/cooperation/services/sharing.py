"""Which units share pointers, and whom partners are told to call for them."""

from __future__ import annotations

from django.db import transaction

from casework.accounts.selectors import require_person
from casework.audit.services import audit_record
from casework.core.errors import DomainError, FieldError
from casework.core.validation import text_problem

from ..models import SharingUnit

_CONTACT_LIMITS = {"contact_name": 200, "contact_email": 254, "contact_phone": 40}


def _contact_values(*, active: bool, **values: str) -> dict[str, str]:
    """The point of contact, stripped and checked: a unit that shares names someone to call."""
    errors = []
    for field, limit in _CONTACT_LIMITS.items():
        values[field] = (values[field] or "").strip()
        problem = text_problem(values[field], max_length=limit)
        if problem:
            errors.append(FieldError(field, problem))
    if active and not values["contact_name"]:
        errors.append(FieldError("contact_name", "Name the point of contact partners will call."))
    if errors:
        raise DomainError(errors=errors)
    return values


@transaction.atomic
def sharing_unit_update(
    *,
    actor,
    unit,
    active: bool,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> SharingUnit:
    """Opt a unit in (with the point of contact partners are given) or out of pointer sharing.

    An administrator's act, audited. The next set we send follows the change."""
    require_person(actor, "change which units share pointers")
    if not (actor.has_role("administrator") or actor.is_superuser):
        raise DomainError("Only an administrator decides which units share pointers.", status=403)
    values = _contact_values(
        active=active,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
    )
    sharing = SharingUnit.objects.select_for_update().filter(unit=unit).first()
    before = (
        {"active": sharing.active, **{f: getattr(sharing, f) for f in _CONTACT_LIMITS}}
        if sharing
        else {}
    )
    if sharing is None:
        if not active:
            raise DomainError(f"{unit} does not share pointers.", field="active")
        sharing = SharingUnit(unit=unit)
    sharing.active = active
    for field, value in values.items():
        if value or active:
            setattr(sharing, field, value)
    sharing.save()
    after = {"active": sharing.active, **{f: getattr(sharing, f) for f in _CONTACT_LIMITS}}
    audit_record(
        actor=actor,
        action="sharing_unit.update",
        target=sharing,
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )
    return sharing

"""Checks every partners service makes before it writes: who may act, on which record, with
which values. Work under a case or a referral is allowed only to someone who can see that record
(need-to-know is decided by the cases and referrals selectors), so a service called from the API
or a command cannot be used to write into a case one cannot read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from casework.accounts.choices import Role
from casework.cases.selectors import case_is_visible
from casework.core.errors import DomainError, NotFound
from casework.referrals.selectors import referrals_visible_to

from ..choices import Direction, HandlingCode
from ..models import Agency, Contact

# Clock skew between a workstation and the server is tolerated; a time further ahead is a typo.
FUTURE_TOLERANCE = timedelta(minutes=5)


def require_directory_editor(actor) -> None:
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise DomainError(
            "Only investigators, supervisors and administrators can change the directory.",
            status=403,
        )


def require_case_worker(actor) -> None:
    if not actor.has_role(Role.INVESTIGATOR, Role.SUPERVISOR):
        raise DomainError("Only investigators and supervisors record partner work.", status=403)


def on_record(*, actor, case, referral) -> dict:
    """The case or referral the work hangs off, checked to be one and visible to the actor."""
    if (case is None) == (referral is None):
        raise DomainError("Record this on a case or on a referral (one of them).", field="case")
    if case is not None and not case_is_visible(user=actor, case=case):
        raise NotFound("No such case that you can see.")
    if referral is not None and not referrals_visible_to(actor).filter(pk=referral.pk).exists():
        raise NotFound("No such referral that you can see.")
    return {"case": case, "referral": referral}


def audit_case_id(*, case=None, referral=None) -> int | None:
    if case is not None:
        return case.pk
    return referral.case_id if referral is not None else None


def choice(value: str, choices, *, field: str, what: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise DomainError(f"Unknown {what} {value!r}; choose one of {allowed}.", field=field)
    return value


def not_in_future(value: datetime | None, *, field: str) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        raise DomainError("Give the time with its time zone.", field=field)
    if value > now + FUTURE_TOLERANCE:
        raise DomainError(
            "That time is in the future; give when it actually happened.", field=field
        )
    return value


def contact_of(agency: Agency, contact: Contact | None, *, field: str = "contact") -> None:
    if contact is not None and contact.agency_id != agency.pk:
        raise DomainError(
            f"{contact.name} works at {contact.agency.name}, not at {agency.name}; "
            "choose a contact of this agency.",
            field=field,
        )


def handling(value: str, *, direction: str) -> str:
    value = value or ""
    if value:
        choice(value, HandlingCode, field="handling_code", what="handling code")
    elif direction == Direction.OUTGOING:
        raise DomainError(
            "Say how far this may travel: a handling code is required on anything sent out.",
            field="handling_code",
        )
    return value


def summary_text(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError("Write a short neutral summary.", field="summary")
    return value

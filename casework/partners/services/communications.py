"""The communications log: each exchange with a partner, on a case or a referral."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from casework.audit.services import audit_record
from casework.core.errors import DomainError

from ..choices import Channel, Direction
from ..models import Agency, Communication, Contact, PartnerRequest
from .checks import (
    audit_case_id,
    choice,
    contact_of,
    handling,
    not_in_future,
    on_record,
    require_case_worker,
    summary_text,
)


@transaction.atomic
def communication_record(
    *,
    actor,
    agency: Agency,
    direction: str,
    channel: str,
    summary: str,
    case=None,
    referral=None,
    contact: Contact | None = None,
    handling_code: str = "",
    occurred_at: datetime | None = None,
    request: PartnerRequest | None = None,
) -> Communication:
    """Log one exchange with a partner on a case or referral."""
    require_case_worker(actor)
    record = on_record(actor=actor, case=case, referral=referral)
    choice(direction, Direction, field="direction", what="direction")
    choice(channel, Channel, field="channel", what="channel")
    contact_of(agency, contact)
    handling_code = handling(handling_code, direction=direction)
    summary = summary_text(summary)
    occurred_at = not_in_future(occurred_at, field="occurred_at")
    if request is not None and (
        request.case_id != (case.pk if case else None)
        or request.referral_id != (referral.pk if referral else None)
    ):
        raise DomainError("That request belongs to another record.", field="request")
    communication = Communication.objects.create(
        **record,
        agency=agency,
        contact=contact,
        direction=direction,
        channel=channel,
        summary=summary,
        handling_code=handling_code,
        occurred_at=occurred_at,
        request=request,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="communication.create",
        target=communication,
        case_id=audit_case_id(**record),
        details={
            "agency": agency.name,
            "direction": direction,
            "channel": channel,
            "handling_code": handling_code,
            "referral": referral.pk if referral else None,
        },
    )
    return communication

"""Partners records made through the services, as production makes them."""

from __future__ import annotations

from itertools import count

from django.utils import timezone

from casework.partners import services
from casework.partners.choices import AgencyKind, Channel, Direction, HandlingCode, RequestKind

_numbers = count(1)


def make_agency(*, actor, name: str | None = None, country: str = "FR", **extra):
    return services.agency_create(
        actor=actor,
        name=name or f"Example Police Service {next(_numbers):03d}",
        country=country,
        kind=extra.pop("kind", AgencyKind.POLICE),
        **extra,
    )


def make_contact(*, actor, agency, name: str | None = None, **extra):
    return services.contact_create(
        actor=actor,
        agency=agency,
        name=name or f"Contact {next(_numbers):03d}",
        role=extra.pop("role", "Liaison officer"),
        email=extra.pop("email", "liaison@example.invalid"),
        languages=extra.pop("languages", ["en", "fr"]),
        time_zone=extra.pop("time_zone", "Europe/Paris"),
        **extra,
    )


def make_request(*, actor, agency, case=None, referral=None, **extra):
    return services.request_create(
        actor=actor,
        agency=agency,
        case=case,
        referral=referral,
        direction=extra.pop("direction", Direction.OUTGOING),
        kind=extra.pop("kind", RequestKind.PRESERVATION),
        summary=extra.pop("summary", "Preserve account user_8812"),
        handling_code=extra.pop("handling_code", HandlingCode.LAW_ENFORCEMENT),
        **extra,
    )


def make_communication(*, actor, agency, case=None, referral=None, **extra):
    return services.communication_record(
        actor=actor,
        agency=agency,
        case=case,
        referral=referral,
        direction=extra.pop("direction", Direction.OUTGOING),
        channel=extra.pop("channel", Channel.EMAIL),
        summary=extra.pop("summary", "Asked for the status of synthetic request 0042"),
        handling_code=extra.pop("handling_code", HandlingCode.LAW_ENFORCEMENT),
        **extra,
    )


def make_referral(*, actor, reference: str | None = None):
    from casework.referrals.services import referral_receive

    result = referral_receive(
        actor=actor,
        unit=actor.unit,
        data={
            "source_kind": "industry",
            "source_agency": "Example Provider",
            "source_reference": reference or f"SYN-{next(_numbers):05d}",
            "received_at": timezone.now().isoformat(),
            "summary": "Synthetic referral",
        },
    )
    return result.referral

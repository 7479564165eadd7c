"""What cooperation does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services


@events.subscribe(events.IdentifierAdded)
def match_new_identifier(event: events.IdentifierAdded) -> None:
    services.identifier_match_partners(actor=event.actor, identifier=event.identifier)


@events.subscribe(events.PartnerRevoked)
def forget_revoked_partner(event: events.PartnerRevoked) -> None:
    # Their pointers go with the partnership (their partition is dropped, then their contacts
    # deleted); hits already recorded stay: they are our case's history.
    services.partner_set_drop(event.installation)

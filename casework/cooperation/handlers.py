"""What cooperation does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services
from .models import PartnerContact


@events.subscribe(events.IdentifierAdded)
def match_new_identifier(event: events.IdentifierAdded) -> None:
    services.identifier_match_partners(actor=event.actor, identifier=event.identifier)


@events.subscribe(events.PartnerRevoked)
def forget_revoked_partner(event: events.PartnerRevoked) -> None:
    # Their pointers go with the partnership (their contacts cascade to their pointers); hits
    # already recorded stay: they are our case's history.
    PartnerContact.objects.filter(installation=event.installation).delete()

"""What cooperation does on other apps' events (``casework.core.events``)."""

from __future__ import annotations

from casework.core import events

from . import services
from .models import PartnerContact


@events.subscribe("identifier.added")
def match_new_identifier(*, identifier, actor, **_) -> None:
    services.identifier_match_partners(actor=actor, identifier=identifier)


@events.subscribe("partner.revoked")
def forget_revoked_partner(*, installation, actor=None, **_) -> None:
    # Their pointers go with the partnership (their contacts cascade to their pointers); hits
    # already recorded stay: they are our case's history.
    PartnerContact.objects.filter(installation=installation).delete()

"""Demo register: hash sets of the custody demo's exhibits, shared and acknowledged.

One North exhibit's set went to ICSE and was acknowledged (its submission clock met); another's
went to a Project VIC–style partner from the partner directory and waits for acknowledgement
(its submission clock still runs). Idempotent: once the demo sets exist, nothing more is added.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casework.accounts.models import User
from casework.custody.models import EvidenceItem
from casework.partners.models import Agency

from . import services
from .models import HashSet

PLAN = (
    # (set id, counts by category, destination, acknowledged)
    ("HS-DEMO-0001", {"0": 1180, "1": 42, "2": 9, "uncategorised": 15}, "icse", True),
    ("HS-DEMO-0002", {"0": 310, "1": 3}, "vic_partner", False),
)


def seed(*, stdout) -> None:
    if HashSet.objects.filter(set_identifier__in=[row[0] for row in PLAN]).exists():
        # Seeded before: later demos (oversight's history) add older exhibits, which must not
        # draw a second round of sets.
        stdout.write("hashsets: 0 new synthetic hash sets")
        return
    lead = User.objects.filter(username="inv.north").first()
    items = list(
        EvidenceItem.objects.filter(
            case__unit__code="north", case__lead=lead, state="in_custody"
        ).order_by("seized_at", "pk")[: len(PLAN)]
    )
    if lead is None or not items:
        stdout.write("hashsets: demo user or exhibits missing, skipped")
        return
    partner = Agency.objects.order_by("name").first()
    made = 0
    for item, (identifier, counts, destination, acknowledged) in zip(items, PLAN, strict=False):
        if item.case.is_closed or HashSet.objects.filter(item=item).exists():
            continue
        if destination == "vic_partner" and partner is None:
            destination = "national"
        # Each step a while after the one before, and all of them in the past, however recently
        # the custody demo seized the exhibit.
        now = timezone.now()
        made_at = item.seized_at + min(timedelta(hours=3), (now - item.seized_at) / 3)
        shared_at = made_at + min(timedelta(hours=1), (now - made_at) / 3)
        hash_set = services.hash_set_create(
            actor=lead,
            item=item,
            set_identifier=identifier,
            store_reference=f"DEMS-SET-{identifier[-4:]}",
            made_at=made_at,
            algorithms=["md5", "sha1"],
            counts=counts,
        )
        sharing = services.hash_set_share(
            actor=lead,
            hash_set=hash_set,
            destination=destination,
            agency=partner if destination == "vic_partner" else None,
            shared_at=shared_at,
            reference_received="ICSE-SYN-0001" if destination == "icse" else "",
        )
        if acknowledged:
            services.hash_set_sharing_acknowledge(
                actor=lead,
                sharing=sharing,
                acknowledged_at=shared_at + min(timedelta(hours=20), (now - shared_at) / 2),
                acknowledgement="Received and loaded (synthetic)",
            )
        made += 1
    stdout.write(f"hashsets: {made} new synthetic hash sets")

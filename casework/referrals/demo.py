"""Demo referrals: synthetic, neutral referrals for both units in every triage state.

Idempotent: a referral is recognised by its source reference, so running ``seed_demo`` again
adds nothing. Received times are relative to now, so the queue always shows some referrals
overdue and some with time left. Two are accepted into cases through the cases services.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from casework.accounts.models import User

from . import services
from .models import Referral
from .synthetic import synthetic_row

# reference suffix, unit investigator, priority, hours ago received, end state, source kind
DEMO_REFERRALS = (
    ("N-001", "inv.north", "P1", 2, "new", "industry"),
    ("N-002", "inv.north", "P1", 30, "new", "hotline"),
    ("N-003", "inv.north", "P2", 20, "in_triage", "industry"),
    ("N-004", "inv.north", "P3", 50, "accepted", "foreign_le"),
    ("N-005", "inv.north", "P4", 100, "declined", "public"),
    ("N-006", "inv.north", "P2", 10, "referred_out", "interpol"),
    ("N-007", "inv.north", "P3", 200, "new", "national_le"),
    ("S-001", "inv.south", "P1", 5, "new", "industry"),
    ("S-002", "inv.south", "P2", 80, "in_triage", "hotline"),
    ("S-003", "inv.south", "P3", 40, "accepted", "industry"),
    ("S-004", "inv.south", "P4", 30, "declined", "public"),
    ("S-005", "inv.south", "P2", 12, "referred_out", "foreign_le"),
)


def seed(*, stdout) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["inv.north", "inv.south"])}
    if len(users) < 2:
        stdout.write("referrals: demo users missing, skipped")
        return
    existing = set(
        Referral.objects.filter(source_reference__startswith="DEMO-").values_list(
            "source_reference", flat=True
        )
    )
    now = timezone.now()
    made = 0
    for number, (suffix, username, priority, hours, state, kind) in enumerate(
        DEMO_REFERRALS, start=1
    ):
        reference = f"DEMO-{suffix}"
        if reference in existing:
            continue
        actor = users[username]
        data = synthetic_row(8800 + number, prefix="DEMO")
        received = now - timedelta(hours=hours)
        data.update(
            source_kind=kind,
            source_reference=reference,
            priority=priority,
            received_at=received,
            incident_at=received - timedelta(days=1),
            summary=f"Synthetic referral {suffix} for the demo.",
        )
        for identifier in data["identifiers"]:
            identifier["observed_at"] = identifier.get("observed_at") and received - timedelta(
                days=2
            )
        referral = services.referral_receive(actor=actor, unit=actor.unit, data=data).referral
        if state != "new":
            services.referral_triage_start(actor=actor, referral=referral)
        if state == "accepted":
            services.referral_accept(
                actor=actor, referral=referral, title=f"Synthetic case from referral {suffix}"
            )
        elif state == "declined":
            services.referral_decline(
                actor=actor, referral=referral, reason="Synthetic demo: no further action."
            )
        elif state == "referred_out":
            services.referral_mark_referred_out(
                actor=actor, referral=referral, agency_name="Example Partner Agency"
            )
        made += 1
    stdout.write(f"referrals: {made} demo referral(s) added")

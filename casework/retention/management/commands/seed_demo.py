"""Create the demo installation: units, users, and each app's synthetic records (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casework.accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_accounts
from casework.audit import demo as audit_demo
from casework.audit.models import AuditEvent
from casework.case_templates import demo as case_templates_demo
from casework.cases import demo as cases_demo
from casework.custody import demo as custody_demo
from casework.deadlines import demo as deadlines_demo
from casework.hashsets import demo as hashsets_demo
from casework.oversight import demo as oversight_demo
from casework.partners import demo as partners_demo
from casework.referrals import demo as referrals_demo

# The command lives in the top layer (docs/architecture.md) because it seeds every app: each app
# with demo data ships ``casework/<app>/demo.py`` with ``seed(*, stdout)``; they run in this
# order because later apps hang records off earlier ones. The audit seed comes last so that it
# seals every event the others wrote.
DEMO_SEEDS = (
    referrals_demo,
    cases_demo,
    deadlines_demo,
    partners_demo,
    custody_demo,
    hashsets_demo,
    case_templates_demo,
    oversight_demo,
    audit_demo,
)


class Command(BaseCommand):
    help = "Create demo units, users and synthetic, neutral records. Safe to run again."

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            # The demo users share a password printed in the README.
            raise CommandError(
                "seed_demo refuses to run in production (DJANGO_ENV=production): its users "
                "share a published password; set up an installation with 'manage.py bootstrap'.",
                returncode=2,
            )
        with transaction.atomic():
            # Every demo record is written through an audited service, so an unchanged count
            # of audit events means this run added nothing.
            events_before = AuditEvent.objects.count()
            created = seed_accounts()
            for demo in DEMO_SEEDS:
                demo.seed(stdout=self.stdout)
            changed = created or AuditEvent.objects.count() != events_before
        summary = f"{created} new users" if changed else "already seeded, nothing new added"
        self.stdout.write(self.style.SUCCESS(f"Demo ready ({summary}). Sign-ins:"))
        for username, _first, _last, unit, roles in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {unit or '-':<6} {', '.join(roles)}")
        self.stdout.write(f"Password for every demo user: {DEMO_PASSWORD}")

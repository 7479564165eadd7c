"""Create the demo installation: units, users, and each app's synthetic records (idempotent)."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casework.accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_accounts
from casework.audit.models import AuditEvent

# Each app that has demo data ships ``casework/<app>/demo.py`` with ``seed(*, stdout)``;
# they run in this order because later apps hang records off earlier ones.
# The audit seed comes last so that it seals every event the others wrote.
DEMO_APPS = (
    "referrals",
    "cases",
    "deadlines",
    "partners",
    "custody",
    "hashsets",
    "case_templates",
    "oversight",
    "audit",
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
            for app in DEMO_APPS:
                module = f"casework.{app}.demo"
                if find_spec(module) is not None:
                    import_module(module).seed(stdout=self.stdout)
            changed = created or AuditEvent.objects.count() != events_before
        summary = f"{created} new users" if changed else "already seeded, nothing new added"
        self.stdout.write(self.style.SUCCESS(f"Demo ready ({summary}). Sign-ins:"))
        for username, _first, _last, unit, roles in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {unit or '-':<6} {', '.join(roles)}")
        self.stdout.write(f"Password for every demo user: {DEMO_PASSWORD}")

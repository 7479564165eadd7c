"""Check that the configured keys open this installation's data (exit 2 with one sentence when
not; ``config/startup.py`` runs the check before this command)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ...keys import current_kek


class Command(BaseCommand):
    help = "Check that the key-encryption and fingerprint keys open this installation's data."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"The keys open this installation's data (KEK {current_kek().key_id}).")

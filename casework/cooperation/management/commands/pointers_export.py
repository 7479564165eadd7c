"""``manage.py pointers_export PATH``: write our signed pointer set (docs/cooperation.md)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.cooperation import services
from casework.core import context
from casework.core.errors import DomainError

from ._common import actor_named


class Command(BaseCommand):
    help = "Write our signed pointer set to PATH (never overwritten; '-' is standard output)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--actor", help="User name recorded as having exported (default: the system)."
        )

    def handle(self, *args, **options) -> None:
        actor = actor_named(options["actor"])
        path = Path(options["path"])
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise CommandError(f"{path}: cannot create it ({error.strerror}).") from None
        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py pointers_export"
        )
        try:
            with context.bind(command), os.fdopen(descriptor, "wb") as out:
                exchange = services.pointers_export(actor=actor, out=out)
        except DomainError as error:
            path.unlink(missing_ok=True)
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {exchange.pointer_count} pointers, {exchange.contact_count} contacts, "
                f"digest {exchange.digest}."
            )
        )

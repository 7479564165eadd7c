"""``manage.py import_referrals FILE``: bulk intake from JSON Lines or CSV.

The format is in docs/referral-import.md."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from casework.accounts.models import Unit, User
from casework.core import context
from casework.core.errors import DomainError
from casework.referrals.importing import import_referrals_file

MAX_DUPLICATES_LISTED = 200


class Command(BaseCommand):
    help = (
        "Import referrals from a JSON Lines or CSV file. All or nothing: any invalid row "
        "rejects the file (every error listed as FILE:LINE: field: message) and nothing is "
        "written. Duplicates are reported, not imported."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="A .jsonl or .csv file (format: docs/referral-import.md)")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument(
            "--unit", help="Code of the receiving unit (required when there is more than one)."
        )
        parser.add_argument(
            "--actor", help="User name recorded as having imported (default: the system)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar even on a terminal."
        )

    def handle(self, *args, **options) -> None:
        unit = self._unit(options["unit"])
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {options['actor']!r}.")
        progress = sys.stderr.isatty() and not options["no_progress"]
        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py import_referrals"
        )
        with context.bind(command):
            try:
                result = import_referrals_file(
                    options["file"],
                    unit=unit,
                    actor=actor,
                    dry_run=options["dry_run"],
                    progress=progress,
                )
            except DomainError as error:
                raise CommandError(error.message) from None
        for duplicate in result.duplicates[:MAX_DUPLICATES_LISTED]:
            self.stdout.write(
                f"{result.path}:{duplicate.line}: source_reference: duplicate of "
                f"{duplicate.source_agency} {duplicate.source_reference}, {duplicate.reason}; "
                "not imported."
            )
        if len(result.duplicates) > MAX_DUPLICATES_LISTED:
            self.stdout.write(
                f"… and {len(result.duplicates) - MAX_DUPLICATES_LISTED} more duplicate(s)."
            )
        if not result.ok:
            for line in result.error_lines():
                self.stderr.write(line)
            raise CommandError(result.summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))

    def _unit(self, code: str | None) -> Unit:
        if code:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                raise CommandError(f"No unit with code {code!r}.")
            return unit
        units = list(Unit.objects.all()[:2])
        if len(units) != 1:
            raise CommandError("Name the receiving unit with --unit CODE.")
        return units[0]

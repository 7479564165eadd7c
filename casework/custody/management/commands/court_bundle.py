"""``python manage.py court_bundle CASE_NUMBER --as USERNAME``: write a case's court bundle."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.accounts.models import User
from casework.audit.capture import acting_user
from casework.core import context
from casework.core.errors import DomainError
from casework.custody.bundle import court_bundle_case, court_bundle_export


class Command(BaseCommand):
    help = (
        "Write the court bundle of a case (checked with python -m casework.audit.verify "
        "BUNDLE.zip --key log.key). Built as the named supervisor, and audited."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("number", help="the case number, e.g. NORTH-2026-000001")
        parser.add_argument(
            "--as", dest="username", required=True, help="the supervisor it is built for"
        )
        parser.add_argument(
            "--output", type=Path, help="where to write it (default: <number>-court-bundle.zip)"
        )

    def handle(self, *args, number: str, username: str, output: Path | None, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"{number}:0: as: no active user {username!r}")
        with context.with_reason("court bundle (command line)"), acting_user(user):
            try:
                case = court_bundle_case(user=user, number=number)
                bundle = court_bundle_export(user=user, case=case, via="command")
            except DomainError as error:
                field = (error.errors[0].field if error.errors else None) or "number"
                raise CommandError(f"{number}:0: {field}: {error.text}") from None
        target = output or Path(bundle.filename)
        target.write_bytes(bundle.content)
        self.stdout.write(
            f"Court bundle of {number} written to {target}: {bundle.events} audit events proven "
            f"against the {bundle.tree_size}-event checkpoint; manifest SHA-256 "
            f"{bundle.manifest_sha256}."
        )

"""``manage.py pointers_sync [--partner ID]``: fetch each partner installation's current set
from its API (verified as a file is, refused whole otherwise) and push ours to it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casework.cooperation import client
from casework.core import context
from casework.partners.key_models import PartnerInstallation


class Command(BaseCommand):
    help = "Exchange pointer sets with partner installations over their API."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--partner",
            type=int,
            help="Only this partner installation (its id on Partner keys); default: every "
            "partner with an API address that is not revoked.",
        )

    def handle(self, *args, **options) -> None:
        installation = None
        if options["partner"] is not None:
            installation = PartnerInstallation.objects.filter(pk=options["partner"]).first()
            if installation is None:
                raise CommandError(f"--partner: no partner installation {options['partner']}.")
        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py pointers_sync"
        )
        with context.bind(command):
            results = client.pointers_sync(installation=installation)
        failed = [result for result in results if result.error]
        for result in results:
            if not result.error:
                self.stdout.write(
                    f"{result.issuer}: received {result.received} pointers ({result.hits} new "
                    f"hit(s)), sent {result.sent}."
                )
        if not results:
            self.stdout.write("No partner installation with an API address.")
        if failed:
            raise CommandError(
                "\n".join(f"{result.issuer}: sync: {result.error}" for result in failed)
            )

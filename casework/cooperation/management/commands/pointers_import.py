"""``manage.py pointers_import PATH``: accept a partner's signed pointer set, refused whole
with ``PATH:line: field: message`` when it is not intact or not signed by a trusted key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casework.cooperation import services
from casework.cooperation.pointer_format import PointerSetError
from casework.core import context
from casework.core.errors import DomainError

from ._common import actor_named


class Command(BaseCommand):
    help = "Import a partner's signed pointer set; it replaces their previous set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--actor", help="User name recorded as having imported (default: the system)."
        )

    def handle(self, *args, **options) -> None:
        actor = actor_named(options["actor"])
        path = options["path"]
        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py pointers_import"
        )
        try:
            with context.bind(command), open(path, "rb") as source:
                exchange = services.pointers_import(actor=actor, source=source)
        except OSError as error:
            raise CommandError(f"{path}: cannot read it ({error.strerror}).") from None
        except PointerSetError as error:
            raise CommandError(f"{error.located(path)} Nothing was imported.") from None
        except DomainError as error:
            raise CommandError(f"{path}:1: {error.message} Nothing was imported.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {exchange.pointer_count} pointers from {exchange.installation.agency}; "
                f"{exchange.hits} new hit(s) on our cases."
            )
        )

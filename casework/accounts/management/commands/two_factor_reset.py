"""``manage.py two_factor_reset USERNAME --actor ADMIN``: clear a user's two-factor enrolment.

The same service as the admin action, for when no administrator can sign in to the web (for
example the only administrator lost their phone)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casework.accounts.models import User
from casework.accounts.passkeys import passkeys_reset
from casework.accounts.services import two_factor_reset
from casework.audit.capture import acting_user
from casework.core import context
from casework.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Remove a user's two-factor devices so that they enrol an authenticator app again at "
        "their next sign-in (a new key is shown once). Audited under the administrator named."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="The user whose enrolment is reset.")
        parser.add_argument(
            "--actor", required=True, help="User name of the administrator doing the reset."
        )
        parser.add_argument(
            "--passkeys-only",
            action="store_true",
            help="Remove only the user's passkeys; their authenticator app keeps working.",
        )

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user named {options['actor']!r}.")
        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py two_factor_reset"
        )
        with context.bind(command), acting_user(actor):
            try:
                if options["passkeys_only"]:
                    removed = passkeys_reset(user=user, actor=actor)
                else:
                    two_factor_reset(user=user, actor=actor)
            except DomainError as error:
                raise CommandError(error.message) from None
        if options["passkeys_only"]:
            self.stdout.write(f"Removed {removed} passkey(s) of {user.username}.")
            return
        self.stdout.write(
            f"Reset the two-factor enrolment of {user.username}: a new key is shown at their "
            "next sign-in."
        )

"""``manage.py service_account``: create service accounts and rotate or revoke their API tokens
from a shell (provisioning scripts, or when no administrator can reach the web page).

The same services as the Service accounts page, audited under the administrator named with
``--actor``. A new secret is printed once, alone on standard output, so a script can capture it;
everything else goes to standard error."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.accounts import service_accounts as sa
from casework.accounts.models import ApiToken, ServiceAccount, Unit, User
from casework.audit.capture import acting_user
from casework.core import context
from casework.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a service account, or rotate or revoke its API tokens (secrets shown once)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="A new service account and its first token.")
        create.add_argument("name")
        create.add_argument("--role", required=True, choices=[r.value for r in sa.SERVICE_ROLES])
        create.add_argument("--unit", help="Unit code (needed for investigator and supervisor).")
        create.add_argument("--description", default="")
        create.add_argument("--days", type=int, help="Token lifetime in days.")
        rotate = sub.add_parser("rotate", help="Replace the account's working tokens by one new.")
        rotate.add_argument("name")
        rotate.add_argument("--days", type=int, help="Lifetime of the new token in days.")
        revoke = sub.add_parser("revoke", help="Stop every working token of the account now.")
        revoke.add_argument("name")
        for command in (create, rotate, revoke):
            command.add_argument(
                "--actor", required=True, help="User name of the administrator acting."
            )

    def handle(self, *args, **options) -> None:
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"actor: no active user named {options['actor']!r}.")
        bound = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py service_account"
        )
        with context.bind(bound), acting_user(actor):
            try:
                getattr(self, f"_{options['action']}")(actor, options)
            except DomainError as error:
                raise CommandError(error.message) from None

    def _account(self, name: str) -> ServiceAccount:
        account = ServiceAccount.objects.filter(name=name).first()
        if account is None:
            raise CommandError(f"name: no service account named {name!r}.")
        return account

    def _create(self, actor: User, options: dict) -> None:
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"unit: no unit with the code {options['unit']!r}.")
        account, secret = sa.service_account_create(
            name=options["name"],
            role=options["role"],
            unit=unit,
            description=options["description"],
            expires_in_days=options["days"],
            actor=actor,
        )
        self._issued(account, secret)

    def _live(self, account: ServiceAccount) -> list[ApiToken]:
        return list(account.tokens.filter(revoked_at__isnull=True))

    def _rotate(self, actor: User, options: dict) -> None:
        account = self._account(options["name"])
        live = self._live(account)
        if not live:
            _token, secret = sa.api_token_create(
                service_account=account, actor=actor, expires_in_days=options["days"]
            )
        else:
            _token, secret = sa.api_token_rotate(
                token=live[0], actor=actor, expires_in_days=options["days"]
            )
            for other in live[1:]:
                sa.api_token_revoke(token=other, actor=actor)
        self._issued(account, secret)

    def _revoke(self, actor: User, options: dict) -> None:
        account = self._account(options["name"])
        live = self._live(account)
        for token in live:
            sa.api_token_revoke(token=token, actor=actor)
        self.stderr.write(f"Revoked {len(live)} token(s) of {account.name}.")

    def _issued(self, account: ServiceAccount, secret: str) -> None:
        token = account.tokens.get(token_hash=sa.token_digest(secret))
        self.stderr.write(
            f"Token for {account.name} (acts as {account.user.username}), expires "
            f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M %Z}. It is shown once:"
        )
        self.stdout.write(secret)

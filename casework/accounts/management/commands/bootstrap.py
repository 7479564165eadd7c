"""``python manage.py bootstrap``: make an empty installation usable, safely run again.

It creates the role groups and their permissions (``accounts/roles.py``, the definition
``seed_demo`` uses too), the units named in a file or on the command line, the first
administrator, and the audit signing key. Everything is checked before anything is written; a
second run with the same input changes nothing.

The administrator's password is read from a file or asked for at the terminal, never taken as an
argument: arguments end up in shell history and in the process list.
"""

from __future__ import annotations

import csv
import getpass
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from casework.accounts.choices import Role
from casework.accounts.models import User
from casework.accounts.services import (
    roles_ensure,
    unit_check,
    unit_ensure,
    user_create,
    user_grant_role,
)
from casework.audit import keys
from casework.audit.management.commands.audit_keygen import create_signing_key
from casework.core import context
from casework.core.errors import DomainError

UNIT_COLUMNS = ("code", "name", "case_prefix", "time_zone")
REQUIRED_COLUMNS = UNIT_COLUMNS[:3]
PROMPT_TRIES = 3


@dataclass
class UnitRow:
    where: str  # "units.csv:3" or "--unit north,…"
    fields: dict[str, str]


class Command(BaseCommand):
    help = (
        "Set up an installation: role groups and permissions, units, the first administrator "
        "and the audit signing key. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--units",
            type=Path,
            metavar="FILE",
            help="CSV with the header code,name,case_prefix[,time_zone]: one unit a line",
        )
        parser.add_argument(
            "--unit",
            action="append",
            default=[],
            metavar="CODE,NAME,PREFIX[,ZONE]",
            help="a unit, as one CSV line (repeat for several)",
        )
        parser.add_argument("--admin", metavar="USERNAME", help="the first administrator")
        parser.add_argument("--admin-email", default="", metavar="EMAIL")
        parser.add_argument(
            "--password-file",
            type=Path,
            metavar="FILE",
            help="file whose first line is the new administrator's password (else asked for)",
        )
        parser.add_argument(
            "--signing-key",
            type=Path,
            metavar="PATH",
            help="audit signing key to create or check (default: CASEWORK_AUDIT_SIGNING_KEY_FILE)",
        )

    def handle(self, *args, **options) -> None:
        units = [*read_units_file(options["units"]), *map(read_unit_argument, options["unit"])]
        check_duplicates(units)
        key_path = signing_key_path(options["signing_key"])
        admin = options["admin"]
        existing_admin = None
        password = None
        if admin:
            check_username(admin)
            if options["admin_email"]:
                check_email(options["admin_email"])
            existing_admin = User.objects.filter(username__iexact=admin).first()
            if existing_admin is None:
                password = self.new_password(admin, options)
        elif not User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True).exists():
            raise CommandError(
                "Name the first administrator with --admin USERNAME: this installation has none."
            )

        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py bootstrap"
        )
        with context.bind(command), transaction.atomic():
            changes = roles_ensure()
            self.say("Roles", "; ".join(changes) if changes else "already in place")
            for row in units:
                try:
                    created = unit_ensure(**row.fields, actor=None)
                except DomainError as error:
                    raise CommandError(f"{row.where}: {error.message}") from None
                self.say(f"Unit {row.fields['code']}", "created" if created else "already there")
            if existing_admin is not None:
                granted = user_grant_role(user=existing_admin, role=Role.ADMINISTRATOR, actor=None)
                self.say(
                    f"Administrator {existing_admin.username}",
                    "given the administrator role" if granted else "already an administrator",
                )
            elif admin:
                user_create(
                    username=admin,
                    password=password,
                    unit=None,
                    roles=[Role.ADMINISTRATOR],
                    actor=None,
                    email=options["admin_email"],
                )
                self.say(f"Administrator {admin}", "created")

        if key_path.exists():
            trouble = keys.problem(key_path)
            if trouble:
                raise CommandError(trouble)
            self.say(f"Audit signing key {key_path}", "already there")
            key = keys.signing_key_at(key_path)
        else:
            key = create_signing_key(key_path)
            self.say(f"Audit signing key {key_path}", "created (0600); back it up")
        self.say("Verifier key", keys.verifier_key(key))
        if admin:
            self.stdout.write(
                f"Next: sign in at {settings.CASEWORK_BASE_URL}/accounts/sign-in/ as "
                f"{existing_admin.username if existing_admin else admin} and enrol an "
                "authenticator app when asked."
            )

    def say(self, what: str, outcome: str) -> None:
        self.stdout.write(f"{what}: {outcome}")

    def new_password(self, username: str, options) -> str:
        candidate = User(username=username, email=options["admin_email"])
        path = options["password_file"]
        if path is not None:
            password = read_password_file(path)
            problems = password_problems(password, candidate)
            if problems:
                raise CommandError(f"{path}:1: password: {problems}")
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                "Give the new administrator's password with --password-file FILE, or run "
                "bootstrap at a terminal to be asked for it (it is never taken as an argument)."
            )
        for _ in range(PROMPT_TRIES):
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("The same password again: "):
                self.stderr.write("The two passwords differ; try again.")
                continue
            problems = password_problems(password, candidate)
            if not problems:
                return password
            self.stderr.write(f"password: {problems}")
        raise CommandError(f"No acceptable password after {PROMPT_TRIES} tries.")


def read_units_file(path: Path | None) -> list[UnitRow]:
    if path is None:
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise CommandError(f"{path}: cannot be read ({reason}).") from None
    reader = csv.DictReader(text.splitlines())
    header = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in UNIT_COLUMNS]
    if missing or unknown:
        problem = (
            f"missing column {', '.join(missing)}" if missing else f"unknown column {unknown[0]}"
        )
        raise CommandError(f"{path}:1: header: {problem} (expected {','.join(UNIT_COLUMNS)}).")
    reader.fieldnames = header
    rows = []
    for record in reader:
        where = f"{path}:{reader.line_num}"
        if not any((value or "").strip() for value in record.values()):
            continue
        if None in record:
            raise CommandError(f"{where}: line: more values than the header has columns.")
        rows.append(UnitRow(where, checked_unit(where, record)))
    return rows


def read_unit_argument(text: str) -> UnitRow:
    where = f"--unit {text}"
    values = next(csv.reader([text]), [])
    if not 3 <= len(values) <= 4:
        raise CommandError(
            f"{where}: give code,name,case_prefix and optionally time_zone, comma-separated."
        )
    return UnitRow(where, checked_unit(where, dict(zip(UNIT_COLUMNS, values, strict=False))))


def checked_unit(where: str, record: dict[str, str | None]) -> dict[str, str]:
    try:
        return unit_check(**{column: (record.get(column) or "") for column in UNIT_COLUMNS})
    except DomainError as error:
        raise CommandError(f"{where}: {error.message}") from None


def check_duplicates(units: list[UnitRow]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for row in units:
        for field in ("code", "case_prefix"):
            key = (field, row.fields[field])
            if key in seen:
                raise CommandError(
                    f"{row.where}: {field}: {row.fields[field]} is given twice "
                    f"(also at {seen[key]})."
                )
            seen[key] = row.where


def signing_key_path(option: Path | None) -> Path:
    if option is not None:
        return option
    try:
        return keys.key_path()
    except ImproperlyConfigured:  # production without CASEWORK_AUDIT_SIGNING_KEY_FILE
        raise CommandError(
            "Set CASEWORK_AUDIT_SIGNING_KEY_FILE (or pass --signing-key PATH): bootstrap creates "
            "the audit signing key there, or checks the one already there."
        ) from None


def check_username(username: str) -> None:
    field = User._meta.get_field("username")
    try:
        field.clean(username, None)
    except ValidationError as error:
        raise CommandError(f"--admin {username}: username: {' '.join(error.messages)}") from None


def check_email(email: str) -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise CommandError(
            f"--admin-email {email}: email: give an address such as name@agency.example."
        ) from None


def read_password_file(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise CommandError(f"{path}: cannot be read ({reason}).") from None
    if not lines or not lines[0]:
        raise CommandError(f"{path}:1: password: the first line is empty.")
    return lines[0]


def password_problems(password: str, user: User) -> str:
    """Django's password validators' verdict (settings.AUTH_PASSWORD_VALIDATORS), or ""."""
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""

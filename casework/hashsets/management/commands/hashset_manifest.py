"""``manage.py hashset_manifest PATH --set ID --actor USER``: counts from a VICS manifest.

The manifest is read from a path on the server (the evidence store's export), never uploaded.
Refused whole, each problem printed as ``PATH:LINE: field: message``, exit status 1."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from casework.accounts.models import User
from casework.core import context
from casework.core.errors import DomainError
from casework.hashsets import selectors, services
from casework.hashsets.manifest import MAX_BYTES, ManifestRefused


class Command(BaseCommand):
    help = (
        "Fill a registered hash set's counts by category from a VICS (Project VIC) JSON "
        "manifest. Keeps only the counts and the file's SHA-256; refuses the whole file if any "
        "entry carries media or a thumbnail, if a hash is malformed or if it is not JSON."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The VICS JSON manifest (docs/hash-sets.md).")
        parser.add_argument("--set", required=True, help="The hash set's id (from its page).")
        parser.add_argument(
            "--actor", required=True, help="User name recorded as having imported it."
        )

    def handle(self, *args, **options) -> None:
        path = options["path"]
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['actor']!r}.")
        try:
            public_id = uuid.UUID(options["set"])
        except ValueError:
            raise CommandError(f"{options['set']!r} is not a hash set id.") from None
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        command = context.RequestContext(
            request_id=context.new_request_id(), user_agent="manage.py hashset_manifest"
        )
        with context.bind(command):
            try:
                hash_set = selectors.hash_set_get_for(user=actor, public_id=public_id, audit=False)
                hash_set = services.hash_set_manifest_import(
                    actor=actor, hash_set=hash_set, raw=raw, source=f"file:{path}"
                )
            except DomainError as error:
                cause = error.__cause__
                if isinstance(cause, ManifestRefused):
                    for problem in cause.problems:
                        self.stderr.write(
                            f"{path}:{problem.line}: {problem.field}: {problem.message}"
                        )
                    raise CommandError(
                        f"{path}: refused whole; nothing was stored ({len(cause.problems)} "
                        "problem(s))."
                    ) from None
                raise CommandError(f"{path}:1: {error.message}") from None
        counts = ", ".join(f"{key}: {value}" for key, value in hash_set.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: set {hash_set.set_identifier}: {hash_set.total} entries ({counts}); "
                f"manifest SHA-256 {hash_set.manifest_sha256}."
            )
        )

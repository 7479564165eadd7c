"""``python manage.py audit_keygen PATH``: create the key that signs audit checkpoints.

Threat: whoever can write the database could rewrite the ledger and re-seal it; they cannot
re-sign it without this key. So the key is written once, readable by its owner only (0600), and
never overwritten: a replaced key would make every checkpoint signed before unverifiable.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.audit import conf, keys


class Command(BaseCommand):
    help = (
        "Create the Ed25519 key that signs audit checkpoints at PATH (permissions 0600; an "
        "existing file is never overwritten) and print the verifier key to publish."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="where to write the private key (PEM)")

    def handle(self, *args, path: Path, **options) -> None:
        key = create_signing_key(path)
        self.stdout.write(keys.verifier_key(key))
        self.stderr.write(
            f"Wrote the audit signing key to {path} (0600). Set "
            f"CASEWORK_AUDIT_SIGNING_KEY_FILE={path} for the workers, back the file up apart "
            f"from the database, and publish the verifier key above (log {conf.log_origin()!r}) "
            "where auditors fetch it."
        )


def create_signing_key(path: Path):
    """The new key at ``path``, or ``CommandError`` in one sentence (also used by bootstrap)."""
    if path.exists() or path.is_symlink():
        raise CommandError(
            f"{path} already exists: audit_keygen never overwrites a signing key (checkpoints "
            "it signed would stop verifying); choose another path or keep using this key."
        )
    try:
        return keys.generate(path)
    except FileExistsError:
        raise CommandError(f"{path} was created by someone else a moment ago.") from None
    except OSError as error:
        raise CommandError(f"{path}: cannot write the key ({error.strerror}).") from None

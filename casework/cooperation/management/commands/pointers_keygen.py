"""``manage.py pointers_keygen``: create our signing key, or print a new group key line."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core.management.base import BaseCommand, CommandError

from casework.cooperation import conf


class Command(BaseCommand):
    help = (
        "Create an Ed25519 signing key at PATH (never overwritten) and print its public key and "
        "key id; or, with --group-key ID, print a new pointer-sharing key line for the group."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--group-key", metavar="ID", help="Print '<ID> <base64 key>' for the group's key file."
        )

    def handle(self, *args, **options) -> None:
        if options["group_key"]:
            line = f"{options['group_key']} {base64.b64encode(secrets.token_bytes(32)).decode()}"
            conf.parse_group_keys(line, source="--group-key")
            self.stdout.write(line)
            return
        if not options["path"]:
            raise CommandError("Give the PATH of the key file to create, or --group-key ID.")
        path = Path(options["path"])
        key = Ed25519PrivateKey.generate()
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise CommandError(f"{path}: cannot create it ({error.strerror}).") from None
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        self.stdout.write(
            f"public key: {conf.public_key_base64(key)}\nkey id: {conf.signing_key_id(key)}"
        )

"""Re-wrap every data key under a new key-encryption key (batched, resumable, audited).

    python manage.py privacy_rotate_kek --new-key-file /run/secrets/casework-kek-2027

The current KEK (CASEWORK_KEK / CASEWORK_KEK_FILE) opens the keys; the new one wraps them.
Run it while Casework runs (each batch locks only its rows); once it reports done, point
CASEWORK_KEK_FILE at the new key and restart. Stopped half-way, run it again: keys already
under the new KEK are skipped. Values are never re-encrypted: only the data keys change.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.core.errors import DomainError
from config.env import ConfigurationError

from ...keys import LocalKek, current_kek, decode_key
from ...services import kek_rotate


class Command(BaseCommand):
    help = "Re-wrap every data key under a new key-encryption key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--new-key-file", required=True, help="file holding the new KEK")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, new_key_file: str, batch_size: int, **options) -> None:
        path = Path(new_key_file)
        if not path.is_file():
            raise CommandError(f"{new_key_file}: no such file.")
        if not 1 <= batch_size <= 100_000:
            raise CommandError("--batch-size: give a number from 1 to 100000.")
        try:
            new = LocalKek(decode_key(path.read_text(), name=new_key_file))
            old = current_kek()
            if new.key_id == old.key_id:
                raise CommandError("The new key is the current key: nothing to rotate.")
            done = kek_rotate(
                actor=None,
                old=old,
                new=new,
                batch_size=batch_size,
                progress=lambda n: self.stdout.write(f"re-wrapped {n} data key(s)"),
            )
        except (ConfigurationError, DomainError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Done: {done} data key(s) now under {new.key_id}. Point CASEWORK_KEK_FILE at "
            f"{new_key_file} and restart every process."
        )

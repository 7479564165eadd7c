"""``python manage.py audit_witness``: ask the configured witnesses to cosign now.

The sealer does this after every signed checkpoint (a Celery task); the command is for an
operator who has just added a witness, or wants to see what each witness answers.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casework.audit import conf
from casework.audit.witness import checkpoint_send_to_witnesses, latest_signed_checkpoint


class Command(BaseCommand):
    help = "Send the latest signed checkpoint to every witness in CASEWORK_AUDIT_WITNESSES."

    def handle(self, *args, **options) -> None:
        if not conf.witnesses():
            raise CommandError("settings:0: CASEWORK_AUDIT_WITNESSES: no witness is configured")
        checkpoint = latest_signed_checkpoint()
        if checkpoint is None:
            raise CommandError("audit-ledger:0: checkpoint: no checkpoint has been signed yet")
        failed = False
        for outcome in checkpoint_send_to_witnesses(checkpoint_id=checkpoint.pk):
            line = f"{outcome.witness} ({outcome.url}): {outcome.message}"
            if outcome.ok:
                self.stdout.write(line)
            else:
                failed = True
                self.stderr.write(line)
        if failed:
            raise SystemExit(1)

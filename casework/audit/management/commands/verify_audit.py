"""``python manage.py verify_audit``: recompute the ledger; exit 1 when anything is wrong."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.audit.verification import verify_ledger


class Command(BaseCommand):
    help = (
        "Recompute every sealed event's hash, the hash chain, the Merkle tree and every signed "
        "checkpoint; name each event that was changed, removed, inserted or reordered."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--verifier-key",
            type=Path,
            help="file with the published verifier key (default: from the signing key)",
        )
        parser.add_argument(
            "--checkpoint-dir",
            type=Path,
            help="directory of signed checkpoints (default: CASEWORK_AUDIT_CHECKPOINT_DIR)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--no-record", action="store_true", help="do not store the result for the panel"
        )

    def handle(self, *args, **options) -> None:
        verifier = None
        if options["verifier_key"]:
            try:
                verifier = options["verifier_key"].read_text(encoding="utf-8").strip()
            except OSError as error:
                raise CommandError(f"{options['verifier_key']}:0: verifier-key: {error}") from None
        result = verify_ledger(
            verifier=verifier,
            checkpoint_dir=options["checkpoint_dir"],
            record=not options["no_record"],
        )
        if options["json"]:
            payload = {**result.counts(), "details": [p.as_dict() for p in result.problems]}
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            for problem in result.problems:
                self.stderr.write(
                    f"audit-ledger:{problem.position or 0}: {problem.kind}: {problem.message}"
                )
            counts = result.counts()
            self.stdout.write(
                f"{counts['events_checked']} sealed events checked in {counts['seconds']} s "
                f"({counts['events_per_second']}/s), {counts['signed_checkpoints_checked']} "
                f"signed checkpoints, {counts['pending']} waiting to be sealed: "
                + ("OK" if result.ok else f"{len(result.problems)} PROBLEM(S)")
            )
        if not result.ok:
            raise SystemExit(1)

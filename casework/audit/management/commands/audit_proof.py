"""``python manage.py audit_proof EVENT_ID``: export an inclusion proof for one event."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.audit import keys
from casework.audit.proofs import inclusion_proof_export
from casework.audit.services import audit_record
from casework.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Export the inclusion proof of one audit event "
        "(checked with python -m casework.audit.verify)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("event_id", type=int)
        parser.add_argument("--output", type=Path, help="write the proof here (default: stdout)")
        parser.add_argument(
            "--key-output", type=Path, help="also write the log's verifier key to this file"
        )

    def handle(self, *args, event_id: int, output: Path | None, key_output: Path | None, **kw):
        try:
            proof = inclusion_proof_export(event_id=event_id)
        except DomainError as error:
            raise CommandError(f"event:{event_id}: event_id: {error}") from None
        audit_record(
            actor=None,
            action="audit.proof_export",
            object_type="audit.auditevent",
            object_id=str(event_id),
            case_id=proof["event_json"].get("case_id"),
            details={"tree_size": proof["tree_size"], "via": "command"},
        )
        text = json.dumps(proof, indent=2, ensure_ascii=False) + "\n"
        if output:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(f"Proof for event {event_id} written to {output}")
        else:
            self.stdout.write(text)
        if key_output:
            key_output.write_text(keys.verifier_key() + "\n", encoding="utf-8")

"""Standalone check of one audit event: ``python -m casework.audit.verify PROOF --key KEY``.

For a court, a defence expert or an inspector who holds a single exported proof and the log's
published verifier key. It needs Python and the ``cryptography`` package only: no Django, no
database, no network. It checks that

1. the checkpoint is signed by the key (Ed25519, signed-note format);
2. the event's canonical bytes, hashed as an RFC 6962 leaf, lead through the inclusion path to
   the checkpoint's root hash at the stated leaf index and tree size;

and prints the event. Exit status 0 when proven, 1 when not, 2 on a usage error. ``--checkpoint``
uses a checkpoint obtained separately (e.g. from the checkpoint directory or a witness) instead
of the one inside the proof; it must be for the same tree size.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from pathlib import Path

from casework.audit import merkle, notes

PROOF_FORMAT = "casework-audit-inclusion-proof/1"


class ProofError(ValueError):
    pass


def check(proof: dict, verifier: str, checkpoint_note: str | None = None) -> dict:
    """Return the proven event document, or raise ProofError saying what failed."""
    if proof.get("format") != PROOF_FORMAT:
        raise ProofError(f"not a Casework inclusion proof (format {proof.get('format')!r})")
    try:
        checkpoint = notes.verify(checkpoint_note or proof["checkpoint"], verifier)
    except (notes.NoteError, KeyError) as error:
        raise ProofError(f"checkpoint: {error}") from None
    try:
        canonical = base64.b64decode(proof["event"], validate=True)
        path = [base64.b64decode(node, validate=True) for node in proof["inclusion_path"]]
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ProofError(f"the proof file is malformed: {error}") from None
    if size != checkpoint.size:
        raise ProofError(
            f"the proof is for a tree of {size} events, the checkpoint for {checkpoint.size}"
        )
    leaf = merkle.leaf_hash(canonical)
    if not merkle.verify_inclusion(index, size, leaf, path, checkpoint.root):
        raise ProofError("the event is NOT included in the signed tree: the proof fails")
    try:
        return json.loads(canonical)
    except ValueError:
        raise ProofError("the proven bytes are not a JSON event") from None


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if any(value.lower().endswith(".zip") for value in arguments if not value.startswith("-")):
        from casework.audit import verify_bundle

        return verify_bundle.main(arguments)
    parser = argparse.ArgumentParser(
        prog="python -m casework.audit.verify",
        description="Check one exported audit event against a signed checkpoint.",
    )
    parser.add_argument("proof", type=Path, help="the exported inclusion proof (JSON)")
    parser.add_argument(
        "--key", type=Path, required=True, help="the log's verifier key (name+id+key)"
    )
    parser.add_argument("--checkpoint", type=Path, help="a separately obtained checkpoint")
    arguments = parser.parse_args(arguments)
    try:
        proof = json.loads(arguments.proof.read_text(encoding="utf-8"))
        verifier = arguments.key.read_text(encoding="utf-8").strip()
        note = arguments.checkpoint.read_text(encoding="utf-8") if arguments.checkpoint else None
    except (OSError, ValueError) as error:
        print(f"{arguments.proof}:0: input: {error}", file=sys.stderr)
        return 2
    try:
        event = check(proof, verifier, note)
    except ProofError as error:
        print(f"{arguments.proof}:0: proof: {error}", file=sys.stderr)
        return 1
    print(json.dumps(event, indent=2, ensure_ascii=False))
    origin = notes.parse(note or proof["checkpoint"])[0].origin
    print(
        f"VERIFIED: event {event.get('id')} is entry {proof['leaf_index']} of the "
        f"{proof['tree_size']}-event audit log signed as {origin}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

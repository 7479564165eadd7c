"""Standalone check of one audit event: ``python -m casework.audit.verify PROOF --key KEY``.

For a court, a defence expert or an inspector who holds an exported proof and the log's
published verifier key. It needs Python and the ``cryptography`` package only: no Django, no
database, and no network unless told to fetch a checkpoint or a proof from a URL. It checks
that

1. the checkpoint in the proof is signed by the key (Ed25519, C2SP signed note);
2. the event's canonical bytes, hashed as an RFC 6962 leaf, lead through the inclusion path to
   that checkpoint's root hash at the stated leaf index and tree size;
3. the readable copy of the event in the file (``event_json``) says exactly what the hashed
   bytes say — a reader must never be shown one event while another is proven;
4. with ``--checkpoint NEWER`` (a file or URL, e.g. ``https://…/log/checkpoint``): NEWER is
   signed by the key too and, when it is larger, ``--consistency`` (a file or URL from
   ``/api/v1/audit/consistency/?old=N&new=M``) proves that the log of the proof's size is a
   prefix of it (RFC 9162): the event is in today's log, and nothing before it was rewritten;
5. with ``--witness-key`` (repeatable): the final checkpoint carries a valid cosignature by
   each of those witnesses (C2SP tlog-cosignature), so the log showed the same tree to them.

Exit status 0 when everything is proven, 1 when anything fails (the reason on stderr), 2 on a
usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from casework.audit import cosignatures, merkle, notes

PROOF_FORMAT = "casework-audit-inclusion-proof/1"
CONSISTENCY_FORMAT = "casework-audit-consistency-proof/1"


class ProofError(ValueError):
    pass


def _decode(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def check(
    proof: dict,
    verifier: str,
    checkpoint_note: str | None = None,
    consistency: dict | None = None,
    witness_keys: list[str] | None = None,
) -> dict:
    """Return the proven event document, or raise ProofError saying what failed.

    ``checkpoint_note`` is a checkpoint obtained separately (same size as the proof's, or
    larger with ``consistency`` bridging the two); ``witness_keys`` are witnesses whose
    cosignature the final checkpoint must carry.
    """
    if proof.get("format") != PROOF_FORMAT:
        raise ProofError(f"not a Casework inclusion proof (format {proof.get('format')!r})")
    try:
        embedded = notes.verify(proof["checkpoint"], verifier)
    except (notes.NoteError, KeyError, TypeError) as error:
        raise ProofError(f"checkpoint: {error}") from None
    try:
        canonical = _decode(proof["event"])
        path = [_decode(node) for node in proof["inclusion_path"]]
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ProofError(f"the proof file is malformed: {error}") from None
    if size != embedded.size:
        raise ProofError(
            f"the proof is for a tree of {size} events, its checkpoint for {embedded.size}"
        )
    leaf = merkle.leaf_hash(canonical)
    if not merkle.verify_inclusion(index, size, leaf, path, embedded.root):
        raise ProofError("the event is NOT included in the signed tree: the proof fails")
    try:
        event = json.loads(canonical)
    except ValueError:
        raise ProofError("the proven bytes are not a JSON event") from None
    _check_readable_copy(proof, event)
    final_note = proof["checkpoint"]
    if checkpoint_note is not None:
        _bridge(embedded, checkpoint_note, verifier, consistency)
        final_note = checkpoint_note
    _check_witnesses(final_note, witness_keys or [])
    return event


def _check_readable_copy(proof: dict, event: dict) -> None:
    if "event_json" not in proof:
        raise ProofError(
            "the proof file has no readable copy of the event (event_json): what it shows a "
            "reader cannot be checked against the proven bytes"
        )
    shown = proof["event_json"]
    if shown != event:
        fields = sorted(
            key
            for key in set(shown if isinstance(shown, dict) else {}) | set(event)
            if not isinstance(shown, dict) or shown.get(key) != event.get(key)
        )
        raise ProofError(
            "the readable copy of the event (event_json) differs from the proven bytes in: "
            + ", ".join(fields or ["its form"])
            + " — trust only the bytes, printed below by a clean export"
        )


def _bridge(embedded: notes.Checkpoint, note: str, verifier: str, consistency) -> None:
    try:
        newer = notes.verify(note, verifier)
    except notes.NoteError as error:
        raise ProofError(f"--checkpoint: {error}") from None
    if newer.origin != embedded.origin:
        raise ProofError(f"--checkpoint is for the log {newer.origin}, not {embedded.origin}")
    if newer.size < embedded.size:
        raise ProofError(
            f"--checkpoint ({newer.size} events) is older than the proof's ({embedded.size}): "
            "give the newer one"
        )
    if newer.size == embedded.size:
        if newer.root != embedded.root:
            raise ProofError(
                "two checkpoints signed by the same key for the same size with different roots:"
                " the log showed two histories"
            )
        return
    if consistency is None:
        raise ProofError(
            f"--checkpoint is for {newer.size} events and the proof for {embedded.size}: give "
            f"--consistency, a proof that the log only grew (from the API: "
            f"/api/v1/audit/consistency/?old={embedded.size}&new={newer.size})"
        )
    if consistency.get("format") != CONSISTENCY_FORMAT:
        raise ProofError(
            f"--consistency is not a consistency proof ({consistency.get('format')!r})"
        )
    try:
        old_size, new_size = int(consistency["old_size"]), int(consistency["new_size"])
        path = [_decode(node) for node in consistency["consistency_path"]]
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ProofError(f"--consistency is malformed: {error}") from None
    if (old_size, new_size) != (embedded.size, newer.size):
        raise ProofError(
            f"--consistency goes from {old_size} to {new_size} events; this needs "
            f"{embedded.size} to {newer.size}"
        )
    if not merkle.verify_consistency(old_size, new_size, embedded.root, newer.root, path):
        raise ProofError(
            "the consistency proof FAILS: the newer checkpoint does not extend the tree the "
            "event was proven in (the log was rewritten, or a file was altered)"
        )


def _check_witnesses(note: str, witness_keys: list[str]) -> None:
    if not witness_keys:
        return
    try:
        keys = [cosignatures.parse_verifier_key(key) for key in witness_keys]
        found = cosignatures.verified_cosignatures(note, keys)
    except notes.NoteError as error:
        raise ProofError(f"witness: {error}") from None
    missing = [key.name for key in keys if key.name not in found]
    if missing:
        raise ProofError(f"the checkpoint carries no valid cosignature by {', '.join(missing)}")


def _read(source: str, token: str | None) -> str:
    """A file's text, or a URL's body (``Authorization: Token …`` when a token is given)."""
    if source.startswith(("https://", "http://")):
        request = urllib.request.Request(source)
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            raise OSError(f"{source} answered {error.code}") from None
        except urllib.error.URLError as error:
            raise OSError(f"{source}: {error.reason}") from None
    return Path(source).read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if any(value.lower().endswith(".zip") for value in arguments if not value.startswith("-")):
        from casework.audit import verify_bundle

        return verify_bundle.main(arguments)
    parser = argparse.ArgumentParser(
        prog="python -m casework.audit.verify",
        description="Check an exported audit event against the log's signed checkpoints.",
    )
    parser.add_argument("proof", help="the exported inclusion proof (JSON file)")
    parser.add_argument("--key", type=Path, required=True, help="the log's verifier key file")
    parser.add_argument("--checkpoint", help="a newer (or the same) signed checkpoint: file or URL")
    parser.add_argument(
        "--consistency", help="consistency proof from the proof's size to --checkpoint: file or URL"
    )
    parser.add_argument(
        "--witness-key",
        action="append",
        default=[],
        type=Path,
        help="require a cosignature by this witness (its verifier key file); repeatable",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("CASEWORK_API_TOKEN"),
        help="API token for URLs (default: $CASEWORK_API_TOKEN)",
    )
    arguments = parser.parse_args(arguments)
    name = arguments.proof
    try:
        proof = json.loads(Path(name).read_text(encoding="utf-8"))
        verifier = arguments.key.read_text(encoding="utf-8").strip()
        witness_keys = [path.read_text(encoding="utf-8").strip() for path in arguments.witness_key]
        note = _read(arguments.checkpoint, arguments.token) if arguments.checkpoint else None
        consistency = (
            json.loads(_read(arguments.consistency, arguments.token))
            if arguments.consistency
            else None
        )
    except (OSError, ValueError) as error:
        print(f"{name}:0: input: {error}", file=sys.stderr)
        return 2
    try:
        event = check(proof, verifier, note, consistency, witness_keys)
    except ProofError as error:
        print(f"{name}:0: proof: {error}", file=sys.stderr)
        return 1
    print(json.dumps(event, indent=2, ensure_ascii=False))
    final = notes.parse(note or proof["checkpoint"])[0]
    bridged = (
        f" (proven in the {proof['tree_size']}-event log, which the later checkpoint extends)"
        if final.size != int(proof["tree_size"])
        else ""
    )
    witnessed = f", cosigned by {len(witness_keys)} witness(es)" if witness_keys else ""
    print(
        f"VERIFIED: event {event.get('id')} is entry {proof['leaf_index']} of the "
        f"{final.size}-event audit log signed as {final.origin}{bridged}{witnessed}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Standalone check of a court bundle: ``python -m casework.audit.verify BUNDLE.zip --key KEY``.

For a defence expert or a court who holds a case's court bundle and the log's verifier key,
obtained separately from the agency (not from the bundle). Python and ``cryptography`` only: no
Django, no database, no network. Every check runs, and every problem is reported:

1. the manifest is signed by the key (a signed note over its SHA-256), and every file in the
   bundle is listed in it with the SHA-256 and size it has; nothing is missing or added;
2. the checkpoint is signed by the key and is the one the manifest names;
3. every event's bytes, hashed as an RFC 9162 leaf, lead through its inclusion path to the
   checkpoint's root, at a leaf index that grows from one event to the next; each event is of
   the case (its ``case_id``, or one of the referrals the case came from);
4. the custody report and the chronology list exactly the events the manifest's rules select
   from the events included: no more, no fewer.

Exit status 0 when everything is proven, 1 when anything is not, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hashlib
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature

from casework.audit import merkle, notes

BUNDLE_FORMAT = "casework-court-bundle/1"
PROOF_FORMAT = "casework-audit-inclusion-proof/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
STATEMENT_KIND = "court-bundle/v1"
_AUDIT_ID = re.compile(r'data-audit-event="([^"]*)"')


@dataclass
class BundleReport:
    case: str = ""
    events: int = 0
    files: int = 0
    tree_size: int = 0
    root: str = ""
    origin: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _signed_body(note: str, verifier: str) -> str:
    """The body of a signed note if ``verifier`` signed it; raises NoteError otherwise."""
    name, identifier, public_key = notes.parse_verifier_key(verifier)
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise notes.NoteError("a signed note has a blank line between body and signatures")
    body += "\n"
    for line in signatures.split("\n"):
        if not line.startswith(notes.SIGNATURE_DASH):
            continue
        signer, _, encoded = line[len(notes.SIGNATURE_DASH) :].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise notes.NoteError("a signature line is 'name base64'") from None
        if signer == name and blob[:4] == identifier:
            try:
                public_key.verify(blob[4:], body.encode())
            except InvalidSignature:
                raise notes.NoteError("the signature does not verify") from None
            return body
    raise notes.NoteError(f"it carries no signature by {name}")


def _member_names(archive: zipfile.ZipFile, report: BundleReport) -> set[str]:
    names: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            report.problems.append(f"{name}: a file name that escapes the bundle")
        if name in names:
            report.problems.append(f"{name}: the bundle holds two files of this name")
        names.add(name)
    return names


def _check_manifest(archive, names, verifier, report) -> dict | None:
    if MANIFEST not in names or SIGNATURE not in names:
        report.problems.append(f"the bundle has no {MANIFEST} and {SIGNATURE}")
        return None
    raw = archive.read(MANIFEST)
    try:
        manifest = json.loads(raw)
    except ValueError as error:
        report.problems.append(f"{MANIFEST}: not JSON ({error})")
        return None
    if manifest.get("format") != BUNDLE_FORMAT:
        report.problems.append(
            f"{MANIFEST}: not a Casework court bundle ({manifest.get('format')})"
        )
        return None
    report.case = str(manifest.get("case", {}).get("number", ""))
    try:
        body = _signed_body(archive.read(SIGNATURE).decode("utf-8"), verifier)
    except (notes.NoteError, UnicodeDecodeError) as error:
        report.problems.append(f"{SIGNATURE}: the manifest's signature fails: {error}")
    else:
        lines = body.rstrip("\n").split("\n")
        expected = [f"case {report.case}", f"manifest sha256 {hashlib.sha256(raw).hexdigest()}"]
        if not lines[0].endswith("/" + STATEMENT_KIND) or lines[1:] != expected:
            report.problems.append(
                f"{SIGNATURE}: the signed statement is not about this manifest "
                f"(it says {' / '.join(lines[1:])})"
            )
    listed = set()
    for entry in manifest.get("files", []):
        path = entry.get("path", "")
        listed.add(path)
        if path not in names:
            report.problems.append(f"{path}: listed in the manifest, missing from the bundle")
            continue
        data = archive.read(path)
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get(
            "bytes"
        ):
            report.problems.append(f"{path}: its SHA-256 is not the one the manifest lists")
    for extra in sorted(names - listed - {MANIFEST, SIGNATURE}):
        report.problems.append(f"{extra}: in the bundle but not in the manifest")
    report.files = len(listed)
    return manifest


def _read_text(archive, names, path, report) -> str | None:
    if path not in names:
        report.problems.append(f"{path}: missing from the bundle")
        return None
    return archive.read(path).decode("utf-8", "replace")


def _check_events(archive, names, manifest, checkpoint, report) -> dict[int, dict]:
    """Every listed event proven against the checkpoint, in log order. Returns the documents."""
    case = manifest.get("case", {})
    referrals = {str(r) for r in case.get("referral_ids", [])}
    documents: dict[int, dict] = {}
    previous = -1
    for entry in manifest.get("events", []):
        event_id, index = entry.get("id"), entry.get("leaf_index")
        label = f"event {event_id}"
        if not isinstance(event_id, int) or not isinstance(index, int):
            report.problems.append(f"{MANIFEST}: an event entry without id and leaf index")
            continue
        if index <= previous:
            report.problems.append(
                f"{label}: out of log order (leaf {index} after leaf {previous}): "
                "events were reordered"
            )
        previous = max(previous, index)
        if event_id in documents:
            report.problems.append(f"{label}: listed twice")
        if entry.get("file") not in names or entry.get("proof") not in names:
            report.problems.append(f"{label}: its bytes or its proof are missing from the bundle")
            continue
        canonical = archive.read(entry["file"])
        try:
            proof = json.loads(archive.read(entry["proof"]))
            path = [base64.b64decode(n, validate=True) for n in proof["inclusion_path"]]
            proven_bytes = base64.b64decode(proof["event"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            report.problems.append(f"{label}: its proof file is malformed ({error})")
            continue
        if proof.get("format") != PROOF_FORMAT:
            report.problems.append(f"{label}: its proof is not a Casework inclusion proof")
        if proven_bytes != canonical:
            report.problems.append(f"{label}: the proof proves other bytes than {entry['file']}")
        if proof.get("leaf_index") != index or proof.get("tree_size") != checkpoint.size:
            report.problems.append(
                f"{label}: the proof is for leaf {proof.get('leaf_index')} of "
                f"{proof.get('tree_size')}, the manifest says leaf {index} of {checkpoint.size}"
            )
        leaf = merkle.leaf_hash(canonical)
        if not merkle.verify_inclusion(index, checkpoint.size, leaf, path, checkpoint.root):
            report.problems.append(
                f"{label}: NOT included in the signed tree at leaf {index}: the proof fails"
            )
            continue
        try:
            document = json.loads(canonical)
        except ValueError:
            report.problems.append(f"{label}: the proven bytes are not a JSON event")
            continue
        if document.get("id") != event_id:
            report.problems.append(f"{label}: the proven event is event {document.get('id')}")
        if document.get("case_id") != case.get("id") and not (
            document.get("object_type") == "referrals.referral"
            and str(document.get("object_id")) in referrals
        ):
            report.problems.append(f"{label}: not an event of case {report.case}")
        documents[event_id] = document
    report.events = len(documents)
    if manifest.get("event_count") != len(manifest.get("events", [])):
        report.problems.append(
            f"{MANIFEST}: it lists {len(manifest.get('events', []))} events but says "
            f"{manifest.get('event_count')}"
        )
    return documents


def _selected(documents: dict[int, dict], rule: dict) -> set[int]:
    sources = set(rule.get("sources") or [])
    actions = set(rule.get("actions") or [])
    excluded = set(rule.get("excluded_actions") or [])
    return {
        event_id
        for event_id, document in documents.items()
        if (not sources or document.get("source") in sources)
        and (not actions or document.get("action") in actions)
        and document.get("action") not in excluded
    }


def _listed_ids(path: str, text: str, column: str, report) -> list[str]:
    if path.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and column not in rows[0]:
            report.problems.append(f"{path}: has no {column} column")
            return []
        return [row.get(column) or "" for row in rows]
    return _AUDIT_ID.findall(text)


def _check_listings(archive, names, manifest, documents, report) -> None:
    for path, listing in sorted(manifest.get("listings", {}).items()):
        text = _read_text(archive, names, path, report)
        if text is None:
            continue
        listed = _listed_ids(path, text, listing.get("column", "audit_event_id"), report)
        blank = sum(1 for value in listed if not value.strip())
        if blank:
            report.problems.append(f"{path}: {blank} row(s) name no audit event")
        try:
            ids = [int(value) for value in listed if value.strip()]
        except ValueError:
            report.problems.append(f"{path}: an audit event id that is not a number")
            continue
        expected = _selected(documents, listing.get("rule", {}))
        if len(ids) != len(set(ids)):
            report.problems.append(f"{path}: lists an audit event twice")
        missing, unknown = expected - set(ids), set(ids) - expected
        if missing:
            report.problems.append(
                f"{path}: leaves out event(s) {', '.join(map(str, sorted(missing)[:10]))} "
                "that the bundle includes"
            )
        if unknown:
            report.problems.append(
                f"{path}: lists event(s) {', '.join(map(str, sorted(unknown)[:10]))} "
                "that the bundle does not prove"
            )


def check(path: Path, verifier: str) -> BundleReport:
    """Check everything in the bundle at ``path``; the report lists every problem found."""
    report = BundleReport()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"not a zip file: {error}")
        return report
    with archive:
        names = _member_names(archive, report)
        manifest = _check_manifest(archive, names, verifier, report)
        if manifest is None:
            return report
        log = manifest.get("log", {})
        note = _read_text(archive, names, log.get("checkpoint", "checkpoint.txt"), report)
        if note is None:
            return report
        try:
            checkpoint = notes.verify(note, verifier)
        except notes.NoteError as error:
            report.problems.append(f"checkpoint: {error}")
            return report
        report.tree_size, report.origin = checkpoint.size, checkpoint.origin
        report.root = base64.b64encode(checkpoint.root).decode()
        if (log.get("tree_size"), log.get("root")) != (checkpoint.size, report.root):
            report.problems.append(
                "checkpoint: not the checkpoint the manifest names "
                f"(size {log.get('tree_size')}, root {log.get('root')})"
            )
        documents = _check_events(archive, names, manifest, checkpoint, report)
        _check_listings(archive, names, manifest, documents, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m casework.audit.verify",
        description="Check a Casework court bundle against the log's verifier key.",
    )
    parser.add_argument("bundle", type=Path, help="the court bundle (.zip)")
    parser.add_argument(
        "--key", type=Path, required=True, help="the log's verifier key, obtained separately"
    )
    arguments = parser.parse_args(argv)
    try:
        verifier = arguments.key.read_text(encoding="utf-8").strip()
        notes.parse_verifier_key(verifier)
    except (OSError, ValueError) as error:
        print(f"{arguments.key}:0: key: {error}", file=sys.stderr)
        return 2
    report = check(arguments.bundle, verifier)
    for problem in report.problems:
        print(f"{arguments.bundle}:0: bundle: {problem}", file=sys.stderr)
    if not report.ok:
        print(
            f"NOT VERIFIED: {len(report.problems)} problem(s) in the court bundle"
            + (f" of case {report.case}" if report.case else "")
            + ".",
            file=sys.stderr,
        )
        return 1
    print(
        f"VERIFIED: court bundle of case {report.case}: {report.files} files match the signed "
        f"manifest; {report.events} audit events are entries of the {report.tree_size}-event "
        f"log signed as {report.origin} (root {report.root}); the custody report and the "
        "chronology list exactly the events included."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The court bundle: one zip with which a defence expert checks a case's evidence offline.

Threat: a court has only our word that the custody report and the history we disclose are what
the audit log says. The bundle carries, for one case, the custody report (HTML and PDF), the
chronology, the CASE/UCO export, every audit event of the case as the bytes the log hashed with
its inclusion proof against one signed checkpoint, that checkpoint, the verifier key, a README,
and a manifest of every file's SHA-256 signed with the log's key. ``python -m
casework.audit.verify BUNDLE.zip --key KEY`` checks all of it without Django or a database
(``casework.audit.verify_bundle``, which also fixes the bundle's format).

Who may build one: a supervisor of the case's unit who can see the case, the people who read
the case's audit trail with its values. Anyone else gets 404, as for any record out of reach.
Every bundle is an audit event naming the checkpoint and the manifest's SHA-256, so the log
itself says which bundles were issued.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from casework.audit import case_proofs, keys, notes, verify_bundle
from casework.audit.models import AuditEvent
from casework.audit.sealing import seal_all
from casework.audit.services import audit_record
from casework.cases import chronology
from casework.cases.models import Case
from casework.cases.selectors import case_get_for, is_unit_supervisor
from casework.core.csv import csv_lines
from casework.core.errors import DomainError, NotFound

from .case_uco import case_uco_document
from .pdf import render_pdf
from .reporting import report_context
from .selectors import case_items_with_chains

README_TEMPLATE = "custody/court_bundle_readme.txt"
# The custody report's rows name the audit events that recorded them: these.
CUSTODY_RULE = {"sources": ["service"], "actions": ["custody_event.create", "evidence_item.create"]}
# How long to wait for a sealer that is running elsewhere before using the checkpoint there is.
SEAL_ATTEMPTS = 3


@dataclass(frozen=True)
class CourtBundle:
    filename: str
    content: bytes
    manifest_sha256: str
    events: int
    tree_size: int


def court_bundle_response(bundle: CourtBundle) -> HttpResponse:
    response = HttpResponse(bundle.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
    response["X-Manifest-SHA256"] = bundle.manifest_sha256
    return response


def court_bundle_allowed(user, case: Case) -> bool:
    return is_unit_supervisor(user, case.unit_id)


def court_bundle_case(*, user, number: str) -> Case:
    """The case whose bundle ``user`` may build, else NotFound (404)."""
    case = case_get_for(user=user, number=number)
    if not court_bundle_allowed(user, case):
        raise NotFound(f"No case {number} that you can see.")
    return case


def _seal_and_sign() -> None:
    """Seal what has committed and sign the tree, so the checkpoint covers the case's events."""
    for attempt in range(SEAL_ATTEMPTS):
        if not seal_all(sign=True).get("locked"):
            return
        time.sleep(0.2 * (attempt + 1))  # the scheduled sealer is at work; it signs too


def _report_css() -> str:
    path = finders.find("custody/report.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


class _Files:
    """The bundle's files in order, each with its SHA-256 for the manifest."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, bytes]] = []

    def add(self, path: str, content: bytes | str) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.entries.append((path, data))

    def listing(self) -> list[dict]:
        return [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for path, data in self.entries
        ]


def court_bundle_export(*, user, case: Case, via: str = "web") -> CourtBundle:
    """Build the court bundle of ``case`` for ``user`` (allowed: see ``court_bundle_case``)."""
    if not court_bundle_allowed(user, case):
        raise NotFound(f"No case {case.number} that you can see.")
    _seal_and_sign()
    checkpoint = case_proofs.latest_signed_checkpoint()
    if checkpoint is None:
        raise DomainError("The audit log has no signed checkpoint yet: try again in a minute.")
    signed = notes.parse(checkpoint.signed_note)[0]
    proven = _proven_events(case, checkpoint, tree_size=signed.size)
    items, context = _proven_report(user=user, case=case, checkpoint=checkpoint)
    log = _LogFacts.of(signed, root=context["checkpoint"].root)

    files = _Files()
    generated = _add_documents(
        files, user=user, case=case, items=items, context=context, log=log, events=len(proven)
    )
    events = _add_events(files, proven)
    manifest = _manifest(
        user=user, case=case, generated=generated, log=log, events=events, files=files
    )
    # One line per event and per file: readable, and written by json's C encoder (an indent
    # would switch to the pure-Python one, a second for a large case).
    manifest_bytes = _manifest_text(manifest).encode()
    statement = case_proofs.sign_statement(subject=case.number, content=manifest_bytes)
    content = _zip(manifest_bytes, statement, files)
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    audit_record(
        actor=user,
        action="case.court_bundle_export",
        target=case,
        case_id=case.pk,
        details={
            "via": via,
            "tree_size": signed.size,
            "events": len(events),
            "manifest_sha256": digest,
        },
    )
    return CourtBundle(
        filename=f"{case.number}-court-bundle.zip",
        content=content,
        manifest_sha256=digest,
        events=len(events),
        tree_size=signed.size,
    )


@dataclass(frozen=True)
class _LogFacts:
    """What the README and the manifest say about the log the bundle is proven against."""

    origin: str
    tree_size: int
    root: str
    verifier: str
    key_name: str
    key_id: str

    @classmethod
    def of(cls, signed, *, root: str) -> _LogFacts:
        verifier = keys.verifier_key()
        key_name, key_id, _ = notes.parse_verifier_key(verifier)
        return cls(
            origin=signed.origin,
            tree_size=signed.size,
            root=root,
            verifier=verifier,
            key_name=key_name,
            key_id=key_id.hex(),
        )


def _proven_events(case: Case, checkpoint, *, tree_size: int) -> list:
    """Every audit event of the case the checkpoint covers, with its inclusion proof."""
    scope = chronology.case_event_scope(case)
    rows = [
        (event_id, position, bytes(canonical))
        for event_id, position, canonical in AuditEvent.objects.filter(
            scope, seal__position__lt=tree_size
        )
        .order_by("seal__position")
        .values_list("pk", "seal__position", "canonical")
        .iterator(chunk_size=2000)
    ]
    return case_proofs.prove_events(rows, checkpoint)


def _proven_report(*, user, case: Case, checkpoint) -> tuple[list, dict]:
    """The case's items and custody report context, refused while a custody event is not yet
    under the checkpoint (the report would name an audit event the bundle cannot prove)."""
    _, items = case_items_with_chains(user=user, number=case.number)
    context = report_context(user=user, case=case, items=items, checkpoint=checkpoint)
    unproven = [
        f"exhibit {report.item.exhibit_number} #{row.event.sequence}"
        for report in context["reports"]
        for row in report.rows
        if row.audit is None or not row.audit.covered
    ]
    if unproven:
        raise DomainError(
            "Custody events were recorded while the bundle was built and are not in the signed "
            f"checkpoint yet ({', '.join(unproven[:5])}): build the bundle again in a minute."
        )
    return items, context


def _add_documents(
    files: _Files, *, user, case: Case, items: list, context: dict, log: _LogFacts, events: int
):
    """The README, checkpoint, key and the documents a reader opens; returns when it was made."""
    html = render_to_string("custody/report.html", {**context, "standalone": True})
    # Read offline, away from the site: the report's stylesheet goes into the file itself
    # (templates carry no inline style, for the site's Content-Security-Policy).
    html = html.replace("</head>", f"<style>\n{_report_css()}</style>\n</head>", 1)
    pdf = render_pdf(
        title=context["title"],
        subtitle=f"{case.number} · {case.unit.name} · lead {case.lead.get_username()}",
        reports=context["reports"],
        generated=context["generated"],
        generated_by=context["generated_by"],
        checkpoint=context["checkpoint"],
        verify_command=context["verify_command"],
    )
    chronology_csv = _chronology_csv(user=user, case=case, tree_size=log.tree_size)
    generated = timezone.now()
    readme = render_to_string(
        README_TEMPLATE,
        {
            "case": case,
            "generated": generated,
            "generated_by": user.get_username(),
            "events": events,
            "tree_size": log.tree_size,
            "root": log.root,
            "origin": log.origin,
            "key_name": log.key_name,
            "key_id": log.key_id,
            "verify_command": context["verify_command"],
        },
    )
    files.add("README.txt", readme)
    files.add("checkpoint.txt", context["checkpoint"].note)
    files.add("log.key", log.verifier + "\n")
    files.add("custody-report.html", html)
    files.add("custody-report.pdf", pdf)
    files.add("chronology.csv", chronology_csv)
    files.add("case-uco.jsonld", json.dumps(case_uco_document(case, items), indent=2))
    return generated


def _chronology_csv(*, user, case: Case, tree_size: int) -> str:
    # Every told event, however many: the verifier holds the chronology to the rule exactly.
    told = list(chronology.chronology_events(case=case).filter(seal__position__lt=tree_size))
    entries = chronology.describe(user=user, case=case, events=told)
    return "".join(
        csv_lines(
            chronology.EXPORT_HEADER,
            (chronology.export_row(entry) for entry in entries),
        )
    )


def _add_events(files: _Files, proven: list) -> list[dict]:
    """Each audit event as the bytes the log hashed, and its proof; their manifest entries."""
    events = []
    for event in proven:
        data, proof = f"events/{event.event_id}.json", f"proofs/{event.event_id}.json"
        files.add(data, event.canonical)
        # No indent: with one, json falls back to its pure-Python encoder (seconds per bundle).
        files.add(proof, json.dumps(event.proof, ensure_ascii=False))
        events.append(
            {"id": event.event_id, "leaf_index": event.position, "file": data, "proof": proof}
        )
    return events


def _manifest(
    *, user, case: Case, generated, log: _LogFacts, events: list[dict], files: _Files
) -> dict:
    return {
        "format": verify_bundle.BUNDLE_FORMAT,
        "case": {
            "id": case.pk,
            "number": case.number,
            "unit": case.unit.name,
            "referral_ids": sorted(case.referrals.values_list("pk", flat=True)),
        },
        "generated_at": generated.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "generated_by": user.get_username(),
        "log": {
            "origin": log.origin,
            "checkpoint": "checkpoint.txt",
            "tree_size": log.tree_size,
            "root": log.root,
            "key": "log.key",
            "key_name": log.key_name,
            "key_id": log.key_id,
        },
        "event_count": len(events),
        "events": events,
        "listings": {
            "chronology.csv": {"column": "audit_event_id", "rule": chronology.chronology_rule()},
            "custody-report.html": {"rule": CUSTODY_RULE},
        },
        "files": files.listing(),
    }


def _zip(manifest_bytes: bytes, statement, files: _Files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(verify_bundle.MANIFEST, manifest_bytes)
        zf.writestr(verify_bundle.SIGNATURE, statement)
        for path, data in files.entries:
            # Stored, not deflated: a PDF is compressed already, and thousands of small event
            # and proof files cost a compressor each (most of the build's time) to save half.
            stored = path.endswith(".pdf") or path.startswith(("events/", "proofs/"))
            compress = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(path, data, compress_type=compress)
    return buffer.getvalue()


def _manifest_text(manifest: dict) -> str:
    lines = []
    for key, value in manifest.items():
        if isinstance(value, list) and value:
            items = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in value)
            lines.append(f"{json.dumps(key)}: [\n  {items}\n ]")
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n " + ",\n ".join(lines) + "\n}\n"

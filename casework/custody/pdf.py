"""The custody report as PDF, drawn with fpdf2 (pure Python, no system libraries).

It carries everything the HTML report does, and prints names in any script: fpdf2's built-in
fonts know Latin-1 only (a partner's name in Greek or Cyrillic came out as "?"), so the report
embeds DejaVu Sans, vendored under ``casework/static/fonts/dejavu`` with its licence so a clean
machine draws the same PDF. fpdf2 embeds only the glyphs used.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.fonts import FontFace

from .report import Checkpoint, ItemReport, _person

FONT_DIR = Path(settings.BASE_DIR) / "casework" / "static" / "fonts" / "dejavu"
# fontTools, which fpdf2 uses to embed the glyphs a PDF draws, logs every table it trims at
# INFO: some fifty lines per report in the application's log, none of use to an operator.
logging.getLogger("fontTools").setLevel(logging.WARNING)

SANS = "DejaVuSans"
MONO = "DejaVuSansMono"


def _t(value) -> str:
    return "" if value is None else str(value)


class _ReportPDF(FPDF):
    footer_text = ""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_font(SANS, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(SANS, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.add_font(MONO, "", FONT_DIR / "DejaVuSansMono.ttf")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(SANS, size=7)
        self.cell(0, 8, f"{self.footer_text}  ·  page {self.page_no()}/{{nb}}", align="C")


def render_pdf(
    *,
    title: str,
    subtitle: str,
    reports: list[ItemReport],
    generated: datetime,
    generated_by: str,
    checkpoint: Checkpoint,
    verify_command: str = "",
) -> bytes:
    pdf = _ReportPDF(orientation="landscape", unit="mm", format="A4")
    pdf.footer_text = f"{title} - generated {generated:%Y-%m-%d %H:%M:%S} UTC"
    pdf.set_title(_t(title))
    pdf.set_creator("Casework")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(SANS, "B", 15)
    pdf.multi_cell(0, 9, _t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, size=9)
    for line in (
        subtitle,
        f"Generated {generated:%Y-%m-%d %H:%M:%S} UTC by {generated_by}.",
        f"{checkpoint.label}: {checkpoint.detail}",
        "Casework holds metadata only: the items themselves stay in the accredited evidence "
        "store. Times are shown as local time with the offset of the place the event happened.",
    ):
        pdf.multi_cell(0, 5, _t(line), new_x="LMARGIN", new_y="NEXT")
    _proof_section(pdf, checkpoint, verify_command)
    for report in reports:
        _item_section(pdf, report)
    if not reports:
        pdf.multi_cell(0, 5, "No evidence items on this case.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _proof_section(pdf: FPDF, checkpoint: Checkpoint, verify_command: str) -> None:
    pdf.ln(2)
    pdf.set_font(SANS, "B", 11)
    pdf.cell(0, 6, "How to check this report against the audit log", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, size=8)
    if not checkpoint.note:
        pdf.multi_cell(0, 4.5, _t(checkpoint.detail), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.multi_cell(
        0,
        4.5,
        "Each custody event below names the audit event that recorded it. Audit events are "
        "entries of Casework's append-only audit log, and this checkpoint, signed with the "
        f"log's key, fixes the log's content up to entry {checkpoint.tree_size}:",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(MONO, size=7.5)
    pdf.multi_cell(0, 3.8, _t(checkpoint.note.rstrip("\n")), new_x="LMARGIN", new_y="NEXT")
    for label, value in (
        ("Tree size", str(checkpoint.tree_size)),
        ("Root hash (base64)", checkpoint.root),
        ("Signing key", f"{checkpoint.key_name}, key id {checkpoint.key_id}"),
        ("Verifier key", checkpoint.verifier_key),
        ("To check it", verify_command),
    ):
        pdf.set_font(SANS, "B", 8)
        pdf.cell(40, 4.5, label)
        pdf.set_font(MONO, size=7.5)
        pdf.multi_cell(0, 4.5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, size=8)
    pdf.multi_cell(
        0,
        4.5,
        "Obtain the verifier key from the agency by a separate channel and compare it with the "
        "one above, then run the command on the case's court bundle.",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _item_section(pdf: FPDF, report: ItemReport) -> None:
    _item_facts(pdf, report.item)
    _item_hashes(pdf, report.item)
    _chain_table(pdf, report)
    pdf.ln(1)
    pdf.set_font(SANS, "B", 9)
    pdf.cell(0, 5, "Gaps and findings", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, size=8)
    for gap in report.gaps or ["None found."]:
        pdf.multi_cell(0, 4.5, _t(f"- {gap}"), new_x="LMARGIN", new_y="NEXT")


def _item_facts(pdf: FPDF, item) -> None:
    pdf.ln(4)
    pdf.set_font(SANS, "B", 12)
    heading = f"Exhibit {item.exhibit_number} - {item.get_kind_display()}"
    if item.hash_mismatch:
        heading += "  [HASH MISMATCH]"
    pdf.cell(0, 7, _t(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, size=8)
    facts = [
        ("Evidence store", f"{item.store.name}: {item.store_identifier}"),
        ("Root exhibit", item.root_exhibit_number),
        (
            "Make / model / serial",
            " / ".join(filter(None, [item.make, item.model_name, item.serial_number])) or "-",
        ),
        ("Description", item.description or "-"),
        (
            "Seized",
            f"{item.seized_at:%Y-%m-%d %H:%M} UTC at {item.seized_place} "
            f"by {_person(item.seized_by)}, under {item.seizure_authority}",
        ),
        ("Seals / bags", ", ".join(item.seal_numbers) or "-"),
        (
            "State",
            f"{item.get_state_display()}; held by "
            f"{_person(item.current_holder) or 'nobody'}"
            + ("; HASH MISMATCH" if item.hash_mismatch else ""),
        ),
    ]
    for label, value in facts:
        pdf.set_font(SANS, "B", 8)
        pdf.cell(40, 4.5, _t(label))
        pdf.set_font(SANS, size=8)
        pdf.multi_cell(0, 4.5, _t(value), new_x="LMARGIN", new_y="NEXT")


def _item_hashes(pdf: FPDF, item) -> None:
    pdf.ln(1)
    pdf.set_font(SANS, "B", 9)
    pdf.cell(0, 5, "Hash values (from the evidence store)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(MONO, size=7.5)
    hashes = list(item.hashes.all())
    for digest in hashes:
        pdf.multi_cell(
            0,
            4,
            _t(
                f"{digest.get_algorithm_display():8} {digest.value}  "
                f"(recorded by {digest.recorded_by.get_username()} "
                f"{digest.recorded_at:%Y-%m-%d %H:%M} UTC)"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if not hashes:
        pdf.multi_cell(0, 4, "none recorded", new_x="LMARGIN", new_y="NEXT")


def _chain_table(pdf: FPDF, report: ItemReport) -> None:
    pdf.ln(1)
    pdf.set_font(SANS, "B", 9)
    pdf.cell(0, 5, "Chain of custody", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, size=7)
    widths = (8, 26, 30, 32, 32, 62, 42, 45)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=3.6,
        text_align="LEFT",
    ) as table:
        header = table.row()
        for name in (
            "#",
            "Event",
            "Time (local)",
            "Released by",
            "Received by",
            "Details",
            "Acknowledged",
            "Signatures",
        ):
            header.cell(name)
        for row in report.rows:
            event = row.event
            details = _event_details(row)
            line = table.row()
            line.cell(str(event.sequence))
            line.cell(_t(event.get_kind_display()))
            line.cell(_t(row.local_time + (f" to {row.local_end}" if row.local_end else "")))
            line.cell(_t(event.released_by.get_username() if event.released_by else ""))
            line.cell(
                _t(event.received_by.get_username() if event.received_by else event.external_party)
            )
            line.cell(_t(details))
            line.cell(_t(row.acknowledged))
            line.cell(_t(row.signatures))


def _event_details(row) -> str:
    """Everything an event says beyond who and when, in one cell."""
    event = row.event
    return "; ".join(
        filter(
            None,
            [
                event.place,
                event.external_party and f"party: {event.external_party}",
                event.purpose and f"purpose: {event.purpose}",
                event.kind == "transferred"
                and event.transfer_reason
                and f"reason for the transfer: {event.transfer_reason}",
                event.authority and f"authority: {event.authority}",
                event.transport_method
                and f"transport: {event.transport_method} {event.tracking_number}".strip(),
                event.tool_name and f"tool: {event.tool_name} {event.tool_version}",
                event.seal_state
                and f"{event.get_seal_state_display()}"
                + (f" ({', '.join(event.seal_numbers)})" if event.seal_numbers else ""),
                event.condition_on_receipt and f"condition: {event.condition_on_receipt}",
                event.hash_algorithm
                and f"{event.get_hash_algorithm_display()} computed: {event.hash_value}",
                event.hash_result and f"result: {event.get_hash_result_display().upper()}",
                event.submission_reference
                and f"submission ref. {event.submission_reference}"
                + (f", hash set {event.hash_set_identifier}" if event.hash_set_identifier else "")
                + (
                    f"; new {event.count_new}, known {_count(event.count_known)}, "
                    f"series matched {_count(event.count_series_matched)}"
                    if event.count_new is not None
                    else ""
                ),
                event.change_made
                and f"unavoidable change: {event.change_made} - by "
                f"{_person(event.change_made_by)}, because {event.change_reason}",
                event.corrects_id and f"corrects #{event.corrects.sequence}",
                event.note,
                row.corrected_by and "corrected by " + ", ".join(f"#{n}" for n in row.corrected_by),
                row.audit
                and f"audit event #{row.audit.event_id}"
                + ("" if row.audit.covered else " (not yet in the signed checkpoint)"),
            ],
        )
    )


def _count(value) -> str:
    return "-" if value is None else str(value)

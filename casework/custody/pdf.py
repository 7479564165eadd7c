"""The custody report as PDF, drawn with fpdf2 (pure Python, no system libraries).

fpdf2's built-in fonts cover Latin-1 only; rather than ship a font file, text is folded to
Latin-1 (typographic dashes and quotes become ASCII, anything else a "?"), which is enough for
names, identifiers and the neutral text this report carries.
"""

from __future__ import annotations

from datetime import datetime

from fpdf import FPDF
from fpdf.fonts import FontFace

from .report import Checkpoint, ItemReport

_FOLD = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _t(value) -> str:
    text = "" if value is None else str(value)
    return text.translate(_FOLD).encode("latin-1", "replace").decode("latin-1")


class _ReportPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 8, _t(f"{self.footer_text}  ·  page {self.page_no()}/{{nb}}"), align="C")


def render_pdf(
    *,
    title: str,
    subtitle: str,
    reports: list[ItemReport],
    generated: datetime,
    generated_by: str,
    checkpoint: Checkpoint,
) -> bytes:
    pdf = _ReportPDF(orientation="landscape", unit="mm", format="A4")
    pdf.footer_text = f"{title} - generated {generated:%Y-%m-%d %H:%M:%S} UTC"
    pdf.set_title(_t(title))
    pdf.set_creator("Casework")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, _t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for line in (
        subtitle,
        f"Generated {generated:%Y-%m-%d %H:%M:%S} UTC by {generated_by}",
        f"{checkpoint.label}: {checkpoint.detail}",
        "Casework holds metadata only: the items themselves stay in the accredited evidence store.",
    ):
        pdf.multi_cell(0, 5, _t(line), new_x="LMARGIN", new_y="NEXT")
    for report in reports:
        _item_section(pdf, report)
    return bytes(pdf.output())


def _item_section(pdf: FPDF, report: ItemReport) -> None:
    item = report.item
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    heading = f"Exhibit {item.exhibit_number} - {item.get_kind_display()}"
    if item.hash_mismatch:
        heading += "  [HASH MISMATCH]"
    pdf.cell(0, 7, _t(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
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
            f"under {item.seizure_authority}",
        ),
        ("Seals / bags", ", ".join(item.seal_numbers) or "-"),
        (
            "State",
            f"{item.get_state_display()}; held by "
            f"{item.current_holder.get_username() if item.current_holder else 'nobody'}",
        ),
    ]
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 8)
        pdf.cell(40, 4.5, _t(label))
        pdf.set_font("Helvetica", size=8)
        pdf.multi_cell(0, 4.5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Hash values (from the evidence store)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Courier", size=7.5)
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
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Chain of custody", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7)
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
            details = "; ".join(
                filter(
                    None,
                    [
                        event.place,
                        event.external_party and f"party: {event.external_party}",
                        event.purpose and f"purpose: {event.purpose}",
                        event.authority and f"authority: {event.authority}",
                        event.transport_method
                        and f"transport: {event.transport_method} {event.tracking_number}".strip(),
                        event.tool_name and f"tool: {event.tool_name} {event.tool_version}",
                        event.seal_state and f"seal: {event.get_seal_state_display()}",
                        event.condition_on_receipt and f"condition: {event.condition_on_receipt}",
                        event.hash_result
                        and f"{event.get_hash_algorithm_display()} "
                        f"{event.get_hash_result_display().upper()}",
                        event.submission_reference and f"ref: {event.submission_reference}",
                        event.corrects_id and f"corrects #{event.corrects.sequence}",
                        event.note,
                        row.corrected_by
                        and "corrected by " + ", ".join(f"#{n}" for n in row.corrected_by),
                    ],
                )
            )
            line = table.row()
            line.cell(str(event.sequence))
            line.cell(_t(event.get_kind_display()))
            line.cell(_t(row.local_time + (f" to {row.local_end}" if row.local_end else "")))
            line.cell(_t(event.released_by.get_username() if event.released_by else ""))
            line.cell(_t(event.received_by.get_username() if event.received_by else ""))
            line.cell(_t(details))
            line.cell(_t(row.acknowledged))
            line.cell(_t(row.signatures))
    pdf.ln(1)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, "Gaps and findings", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    for gap in report.gaps or ["None found."]:
        pdf.multi_cell(0, 4.5, _t(f"- {gap}"), new_x="LMARGIN", new_y="NEXT")

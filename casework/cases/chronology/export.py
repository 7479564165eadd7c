"""The chronology exported (CSV rows and a PDF table); every export is itself on the record."""

from __future__ import annotations

from collections.abc import Iterable

from fpdf import FPDF

from casework.audit.services import audit_record

from ..models import Case
from .kinds import Entry
from .reading import chronology_events, chronology_page

EXPORT_LIMIT = 20_000


EXPORT_HEADER = ["when", "kind", "who", "what", "link", "audit_event_id"]


def chronology_export_rows(*, user, case: Case, kind: str = "") -> Iterable[Entry]:
    """Every row (up to EXPORT_LIMIT), in pages, so a long case streams in bounded memory."""
    cursor = ""
    emitted = 0
    while emitted < EXPORT_LIMIT:
        page = chronology_page(user=user, case=case, kind=kind, cursor=cursor, size=500)
        yield from page.entries
        emitted += len(page.entries)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def chronology_export(*, user, case: Case, kind: str, fmt: str) -> list[Entry]:
    """Every row for an export, and the export itself written to the ledger (an export of a
    case's history is a disclosure, so it is on the record like any other)."""
    chronology_events(case=case, kind=kind)  # refuses an unknown kind before anything is written
    entries = list(chronology_export_rows(user=user, case=case, kind=kind))
    audit_record(
        actor=user,
        action="case.chronology_export",
        target=case,
        case_id=case.pk,
        details={"format": fmt, "kind": kind, "rows": len(entries)},
    )
    return entries


def export_row(entry: Entry) -> list:
    return [
        entry.occurred_at.isoformat(),
        entry.kind,
        entry.actor,
        entry.text,
        entry.url,
        "" if entry.event_id is None else entry.event_id,
    ]


_FOLD = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."})


def _t(value) -> str:
    # fpdf2's built-in fonts are Latin-1 (see casework/custody/pdf.py, which cases may not import).
    text = "" if value is None else str(value)
    return text.translate(_FOLD).encode("latin-1", "replace").decode("latin-1")


def render_pdf(*, case: Case, entries: list[Entry], generated_by: str, title_shown: bool) -> bytes:
    """A plain A4 table, drawn with fpdf2 as the custody report is (Latin-1 folding there)."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(_t(f"Chronology of {case.number}"))
    pdf.set_creator("Casework")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    heading = f"Chronology of {case.number}" + (f" - {case.title}" if title_shown else "")
    pdf.multi_cell(0, 8, _t(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    zone = entries[0].occurred_at.tzname() if entries else ""
    pdf.multi_cell(
        0,
        5,
        _t(
            f"{len(entries)} actions, newest first; times {zone}. Exported by {generated_by}. "
            "From the audit ledger."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    with pdf.table(col_widths=(32, 18, 40, 160, 20), text_align="LEFT") as table:
        table.row([_t(c) for c in ("When", "Kind", "Who", "What", "Event")])
        for entry in entries:
            table.row(
                [
                    _t(entry.occurred_at.strftime("%Y-%m-%d %H:%M")),
                    _t(entry.kind_label),
                    _t(entry.actor),
                    _t(entry.text),
                    _t("" if entry.event_id is None else entry.event_id),
                ]
            )
    return bytes(pdf.output())

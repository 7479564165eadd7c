"""Period reports (monthly, annual) and downloads of figures as CSV and PDF.

Threats: a spreadsheet cell that starts with ``=``, ``+``, ``-`` or ``@`` is run as a formula by
the program that opens the CSV (agency names and labels are typed by people), so such cells are
neutralised; and a small count in statistics sent outside the unit can point at a person, so
reports marked for sharing replace counts of 1 to 4 (and measures over fewer than five
records) before anything is written.
"""

from __future__ import annotations

import csv
import io
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace

from casework.core.csv import neutralise
from casework.core.errors import DomainError

from .selectors import SUPPRESS_BELOW, Dashboard, FigureResult, dashboard

# Snapshots measured "now" (backlog, caseload, overdue work by person) are management
# information, not period statistics, and name people: they stay on the dashboard.
REPORT_FIGURES = (
    "referrals_weekly",
    "triage_time",
    "deadline_outcomes",
    "partner_requests",
    "seizure_to_submission",
    "victims",
    "case_outcomes",
)
safe_cell = neutralise


def _writer(buffer: io.StringIO):
    return csv.writer(buffer, lineterminator="\r\n")


def figure_csv(result: FigureResult, *, shared: bool = False) -> str:
    """One figure's table as CSV: the header, then the rows, exactly as on the page."""
    buffer = io.StringIO()
    out = _writer(buffer)
    if result.table is None:
        out.writerow([safe_cell(f"{result.figure.title}: not available yet")])
        return buffer.getvalue()
    out.writerow([safe_cell(column.label) for column in result.table.columns])
    for row in result.formatted_rows(shared=shared):
        out.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


@dataclass
class PeriodReport:
    kind: str  # "monthly" or "annual"
    label: str
    shared: bool
    generated_at: datetime
    board: Dashboard

    @property
    def scope(self):
        return self.board.scope

    @property
    def title(self) -> str:
        return f"{self.scope.unit_label}: {self.label} statistics"

    @property
    def filename(self) -> str:
        unit = "all-units" if len(self.scope.unit_ids) > 1 else self.scope.unit_label
        slug = "".join(c if c.isalnum() else "-" for c in unit.lower()).strip("-")
        first = self.scope.first_day
        period = f"{first:%Y-%m}" if self.kind == "monthly" else f"{first:%Y}"
        return f"casework-{slug}-{period}{'-shared' if self.shared else ''}"

    @property
    def marking(self) -> str:
        if self.shared:
            return (
                f"For sharing outside the unit. Counts from 1 to {SUPPRESS_BELOW - 1} are shown "
                f"as '<{SUPPRESS_BELOW}'; medians, percentiles and shares computed over fewer "
                f"than {SUPPRESS_BELOW} records, and shares of fewer than {SUPPRESS_BELOW} "
                f"records, are shown as 'n<{SUPPRESS_BELOW}'."
            )
        return "For use inside the unit only: not suppressed; do not share outside the unit."

    @property
    def rows(self) -> int:
        return sum(len(r.table.rows) for r in self.board.figures if r.table is not None)


def report_period(kind: str, year: int, month: int | None = None) -> tuple[date, date, str]:
    if kind == "monthly":
        if month is None or not 1 <= month <= 12:
            raise DomainError("Choose a month from 1 to 12.", field="month")
        last = monthrange(year, month)[1]
        first = date(year, month, 1)
        return first, date(year, month, last), f"{first:%B %Y}"
    if kind == "annual":
        return date(year, 1, 1), date(year, 12, 31), str(year)
    raise DomainError("A report is monthly or annual.", field="kind")


def period_report(
    *,
    user,
    unit,
    kind: str,
    year: int,
    month: int | None = None,
    shared: bool = False,
    now: datetime | None = None,
) -> PeriodReport:
    """The aggregate statistics of one month or year for ``unit`` (NotFound when not allowed)."""
    if not 2000 <= int(year) <= 2100:
        raise DomainError("Choose a year between 2000 and 2100.", field="year")
    first, last, label = report_period(kind, int(year), month)
    board = dashboard(
        user=user,
        unit=unit,
        period_start=first,
        period_end=last,
        now=now,
        keys=list(REPORT_FIGURES),
    )
    return PeriodReport(
        kind=kind, label=label, shared=shared, generated_at=timezone.now(), board=board
    )


def _preamble(report: PeriodReport) -> list[list[str]]:
    scope = report.scope
    return [
        [report.title],
        ["Unit", scope.unit_label],
        ["Period", f"{scope.first_day:%d %b %Y} to {scope.last_day:%d %b %Y} ({scope.zone})"],
        ["Generated", f"{report.generated_at:%Y-%m-%d %H:%M} UTC"],
        ["Marking", report.marking],
    ]


def report_csv(report: PeriodReport) -> str:
    """All figures of the report, each with its definition, then its table."""
    buffer = io.StringIO()
    out = _writer(buffer)
    for line in _preamble(report):
        out.writerow([safe_cell(cell) for cell in line])
    for result in report.board.figures:
        out.writerow([])
        out.writerow([safe_cell(result.figure.title)])
        out.writerow([safe_cell("Definition"), safe_cell(result.figure.definition)])
        if result.table is None:
            out.writerow([safe_cell("Not available yet: its source is not installed.")])
            continue
        out.writerow([safe_cell(column.label) for column in result.table.columns])
        for row in result.formatted_rows(shared=report.shared):
            out.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


_LATIN = str.maketrans({"–": "-", "—": "-", "…": "...", "’": "'", "‘": "'", "“": '"', "”": '"'})


def _latin(text: str) -> str:
    # The PDF's built-in fonts are Latin-1; anything else becomes "?" rather than an error.
    return str(text).translate(_LATIN).encode("latin-1", "replace").decode("latin-1")


def report_pdf(report: PeriodReport) -> bytes:
    """The report as a PDF: title, marking, then per figure its definition and its table."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_latin(report.title))
    pdf.set_creator("Casework")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.multi_cell(0, 8, _latin(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in _preamble(report)[1:]:
        pdf.multi_cell(0, 5, _latin(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    for result in report.board.figures:
        pdf.ln(4)
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.multi_cell(0, 6, _latin(result.figure.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", style="I", size=8)
        pdf.multi_cell(
            0, 4, _latin(f"Definition: {result.figure.definition}"), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font("Helvetica", size=8)
        if result.table is None:
            pdf.multi_cell(0, 5, "Not available yet.", new_x="LMARGIN", new_y="NEXT")
            continue
        if not result.table.rows:
            pdf.multi_cell(0, 5, _latin(result.table.note or "No records."), new_x="LMARGIN")
            pdf.ln(5)
            continue
        first_width = 2.2 if len(result.table.columns) > 4 else 1.5
        widths = (first_width, *([1] * (len(result.table.columns) - 1)))
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=(235, 238, 242)),
        ) as table:
            heading = table.row()
            for column in result.table.columns:
                heading.cell(_latin(column.label))
            for cells in result.formatted_rows(shared=report.shared):
                line = table.row()
                for cell in cells:
                    line.cell(_latin(cell))
    return bytes(pdf.output())

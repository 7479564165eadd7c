"""Charts, CSV cells and suppression: what the reader (or a spreadsheet) gets."""

from __future__ import annotations

from casework.oversight import charts
from casework.oversight.registry import COUNT, LABEL, MEASURE, SHARE, Column
from casework.oversight.reports import safe_cell
from casework.oversight.selectors import format_cell


def test_a_chart_is_an_accessible_image_with_escaped_text():
    svg = charts.bar_chart(
        chart_id="c1",
        title="Referrals <weekly>",
        description="Bars & lines",
        categories=["A", "=B"],
        series=[charts.Series("Received", [3, 5]), charts.Series("Triaged", [1, None])],
        x_label="Week",
        y_label="Referrals",
    )
    assert 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Referrals &lt;weekly&gt;</title>' in svg
    assert '<desc id="c1-desc">Bars &amp; lines</desc>' in svg
    assert svg.count("<rect") == 3 + 2  # three bars, two legend keys
    assert ">Week<" in svg and ">Referrals<" in svg


def test_a_line_chart_draws_one_line_per_series():
    svg = charts.line_chart(
        chart_id="c2",
        title="t",
        description="d",
        categories=["1", "2", "3"],
        series=[charts.Series("Median", [1.5, 2, 0])],
        x_label="Month",
        y_label="Days",
    )
    assert svg.count("<polyline") == 1
    assert svg.count("<circle") == 3


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    for dangerous in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("Example Police Service (FR)") == "Example Police Service (FR)"
    assert safe_cell(None) == ""


def test_shared_cells_hide_small_counts_and_measures_over_them():
    count = Column("n", "N", COUNT)
    median = Column("m", "Median", MEASURE, base="n")
    share = Column("s", "Share", SHARE, base="n")
    label = Column("l", "Label", LABEL)
    small = {"l": "P1", "n": 3, "m": 2.5, "s": 0.5}
    zero = {"l": "P2", "n": 0, "m": None, "s": None}
    big = {"l": "P3", "n": 12, "m": 4.25, "s": 0.75}
    assert [format_cell(c, small, shared=True) for c in (label, count, median, share)] == [
        "P1",
        "<5",
        "n<5",
        "n<5",
    ]
    assert [format_cell(c, zero, shared=True) for c in (count, median)] == ["0", "—"]
    assert [format_cell(c, big, shared=True) for c in (count, median, share)] == [
        "12",
        "4.2",
        "75.0%",
    ]
    assert format_cell(count, small) == "3"
    # 80% of 5 would tell that 4 were within the clock.
    assert format_cell(share, {"n": 5, "s": 0.8}, shared=True) == "n<5"
    assert format_cell(share, {"n": 5, "s": 0.8}) == "80.0%"

"""Small server-rendered SVG charts: bars (grouped or stacked) and lines.

Why not a charting library: the dashboard must work with no JavaScript build, no CDN and a
strict content security policy, and must be readable by a screen reader. A chart here is a
picture of the table printed under it, nothing more: ``role="img"`` with a ``<title>`` and a
``<desc>`` that says what is drawn, axis labels in text, and every value also in the table.
Every string that reaches the SVG is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe & Ito), dark enough on white for the 3:1 contrast of graphics.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933")

WIDTH = 720
HEIGHT = 300
MARGIN_LEFT = 64
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 72


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | int | None]


def _nice_max(value: float) -> float:
    """A round top for the value axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10**exponent
        if top >= value:
            return top
    return 10 ** (exponent + 1)


def _fmt(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _text(x: float, y: float, content: str, **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{escape(str(val))}"' for key, val in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(content)}</text>'


def _frame(
    *, chart_id: str, title: str, description: str, body: list[str], legend: list[str]
) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT + 24 * bool(legend)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )
    # Safe: every text and attribute above went through escape().
    return mark_safe(head + "".join(body) + "".join(legend) + "</svg>")


def _axes(*, top: float, x_label: str, y_label: str) -> list[str]:
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    parts = []
    for i in range(5):
        value = top * i / 4
        y = MARGIN_TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(_text(MARGIN_LEFT - 6, y + 4, _fmt(value), text_anchor="end", fill="#1f2328"))
    parts.append(
        f'<line x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT}" y1="{MARGIN_TOP}" '
        f'y2="{MARGIN_TOP + plot_h}" stroke="#57606a"/>'
    )
    parts.append(
        _text(
            14,
            MARGIN_TOP + plot_h / 2,
            y_label,
            text_anchor="middle",
            transform=f"rotate(-90 14 {MARGIN_TOP + plot_h / 2:.1f})",
            fill="#1f2328",
            class_="axis-label",
        )
    )
    parts.append(
        _text(
            MARGIN_LEFT + (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / 2,
            HEIGHT - 6,
            x_label,
            text_anchor="middle",
            fill="#1f2328",
            class_="axis-label",
        )
    )
    return parts


def _category_labels(categories: Sequence[str], slot: float) -> list[str]:
    # Long runs of categories (52 weeks) get every n-th label so they stay legible.
    step = max(1, math.ceil(len(categories) / 14))
    parts = []
    base_y = HEIGHT - MARGIN_BOTTOM + 14
    for i, category in enumerate(categories):
        if i % step:
            continue
        x = MARGIN_LEFT + slot * (i + 0.5)
        label = category if len(category) <= 16 else category[:15] + "…"
        parts.append(
            _text(
                x,
                base_y,
                label,
                text_anchor="end",
                transform=f"rotate(-35 {x:.1f} {base_y:.1f})",
                fill="#1f2328",
            )
        )
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    parts = []
    x = MARGIN_LEFT
    y = HEIGHT + 8
    for i, one in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 16, y + 10, one.label, fill="#1f2328"))
        x += 28 + 7 * len(one.label)
    return parts


def _values(one: Series) -> list[float]:
    return [float(v) if v is not None else 0.0 for v in one.values]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    stacked: bool = False,
) -> SafeString:
    """Vertical bars per category, one bar per series side by side, or stacked."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    columns = [_values(one) for one in series]
    if stacked:
        peak = max((sum(col[i] for col in columns) for i in range(len(categories))), default=0)
    else:
        peak = max((max(col, default=0) for col in columns), default=0)
    top = _nice_max(peak)
    slot = plot_w / max(len(categories), 1)
    body = _axes(top=top, x_label=x_label, y_label=y_label)
    # Few categories should not make slabs: a group is at most 90 units wide, centred.
    group_w = min(slot * 0.8, 90)
    bar_w = group_w if stacked else group_w / max(len(series), 1)
    for i, category in enumerate(categories):
        base = MARGIN_TOP + plot_h
        for s, one in enumerate(series):
            value = columns[s][i]
            if value <= 0:
                continue
            h = plot_h * value / top
            x = MARGIN_LEFT + slot * i + (slot - group_w) / 2 + (0 if stacked else bar_w * s)
            y = base - h
            colour = PALETTE[s % len(PALETTE)]
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(category)} · '
                f"{escape(one.label)}: {escape(_fmt(value))}</title></rect>"
            )
            if stacked:
                base = y
    body.extend(_category_labels(categories, slot))
    return _frame(
        chart_id=chart_id, title=title, description=description, body=body, legend=_legend(series)
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
) -> SafeString:
    """One line per series over ordered categories (weeks, months), with a dot per value."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    columns = [_values(one) for one in series]
    top = _nice_max(max((max(col, default=0) for col in columns), default=0))
    slot = plot_w / max(len(categories), 1)
    body = _axes(top=top, x_label=x_label, y_label=y_label)
    for s, one in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = [
            (MARGIN_LEFT + slot * (i + 0.5), MARGIN_TOP + plot_h - plot_h * value / top)
            for i, value in enumerate(columns[s])
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for (x, y), category, value in zip(points, categories, columns[s], strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                f"{escape(category)} · {escape(one.label)}: {escape(_fmt(value))}</title></circle>"
            )
    body.extend(_category_labels(categories, slot))
    return _frame(
        chart_id=chart_id, title=title, description=description, body=body, legend=_legend(series)
    )

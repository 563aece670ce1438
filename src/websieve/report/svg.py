"""Inline SVG charts for the run report, drawn by our own small code (no chart library, nothing fetched).

Every label is escaped here: step names, reasons and languages come from the run and may hold ``<``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from websieve.report.histogram import Bin

__all__ = ["bar_chart", "histogram_chart", "number"]

_BAR = "#4c78a8"
_MARK = "#d62728"
_TEXT = 'font-family="sans-serif" font-size="11" fill="#333"'


def number(value: float) -> str:
    """A short human form of a count, length, ratio or duration.

    >>> [number(v) for v in (3, 0.25, 1234.5, 2_500_000, 1e-5)]
    ['3', '0.25', '1,234', '2.5M', '1e-05']
    """
    if value == int(value) and abs(value) < 1e6:
        return f"{int(value):,}"
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _clip(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> str:
    """Horizontal bars, one per ``(label, value)``, in the order given; ``""`` when there are none.

    >>> svg = bar_chart([("a<b", 3), ("c", 1)], title="drops")
    >>> svg.count("<rect"), "a&lt;b" in svg, "a<b" in svg
    (2, True, False)
    """
    if not bars:
        return ""
    row, label_w, bar_w, value_w = 20, 260, 320, 80
    width, height = label_w + bar_w + value_w, row * len(bars) + 8
    top = max((v for _, v in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{height}" stroke="#999"/>',
    ]
    for i, (label, value) in enumerate(bars):
        y = i * row + 4
        w = max(bar_w * value / top, 1.0)
        text = f"{label}: {number(value)}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" {_TEXT}>'
            f"{escape(_clip(label, 40))}</text>"
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 6}" fill="{_BAR}">'
            f"<title>{escape(text)}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" {_TEXT}>{escape(number(value) + unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(
    bins: Sequence[Bin], *, title: str, marks: Sequence[float] = (), log_x: bool = False
) -> str:
    """Vertical bars over the bins, with each of ``marks`` (thresholds) drawn as a red line; ``""`` when
    there are no bins. A mark outside the bins' range is drawn at the nearer edge (its tooltip says so).

    >>> from websieve.report.histogram import linear_bins
    >>> svg = histogram_chart(linear_bins([0.1, 0.2, 0.9]), title="ratio", marks=[0.5])
    >>> svg.count('class="mark"'), svg.startswith("<svg")
    (1, True)
    """
    if not bins:
        return ""
    width, height, pad_l, pad_b, pad_t = 340, 150, 40, 22, 8
    plot_w, plot_h = width - pad_l - 10, height - pad_b - pad_t
    top = max(b.count for b in bins) or 1
    low, high = bins[0].low, bins[-1].high
    bar_w = plot_w / max(len(bins), 20)  # one bin (all values equal): a narrow bar, in the middle
    left = pad_l + (plot_w - bar_w * len(bins)) / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{pad_l + plot_w}" y2="{pad_t + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 9}" text-anchor="end" {_TEXT}>{number(top)}</text>',
    ]
    for i, b in enumerate(bins):
        h = plot_h * b.count / top
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 0.5:.1f}" y="{pad_t + plot_h - h:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
            f'height="{h:.1f}" fill="{_BAR}"><title>{escape(number(b.low))}–{escape(number(b.high))}: '
            f"{b.count:,}</title></rect>"
        )
    y_axis = pad_t + plot_h + 14
    parts.append(f'<text x="{pad_l}" y="{y_axis}" {_TEXT}>{escape(number(low))}</text>')
    parts.append(
        f'<text x="{pad_l + plot_w}" y="{y_axis}" text-anchor="end" {_TEXT}>{escape(number(high))}</text>'
    )
    for mark in marks:
        x, note = _position(mark, low, high, log_x)
        px = pad_l + plot_w * x
        parts.append(
            f'<line class="mark" x1="{px:.1f}" y1="{pad_t}" x2="{px:.1f}" y2="{pad_t + plot_h}" '
            f'stroke="{_MARK}" stroke-width="2"><title>threshold {escape(number(mark))}{note}</title></line>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _position(mark: float, low: float, high: float, log_x: bool) -> tuple[float, str]:
    """Where ``mark`` falls between ``low`` and ``high`` (0 to 1), and a note when it was clamped."""
    if log_x:
        mark, low, high = (math.log10(max(v, 1.0)) for v in (mark, low, high))
    if high == low:
        return 0.5, "" if mark == low else " (outside the values' range)"
    x = (mark - low) / (high - low)
    if x < 0 or x > 1:
        return min(max(x, 0.0), 1.0), " (outside the values' range)"
    return x, ""

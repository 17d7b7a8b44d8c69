"""Inline SVG charts for the HTML report: vertical columns (volume by hour, by day, a
distribution) and horizontal stacked bars (SLA met and breached, top lists). Every label
is escaped here; colours come from the page's stylesheet (classes `bar`, `met`,
`breach`)."""

from __future__ import annotations

from html import escape

COLUMN_WIDTH_PX = 720
COLUMN_HEIGHT_PX = 160
LABEL_BAND_PX = 34
MAX_COLUMN_PX = 90
BAR_ROW_PX = 22
BAR_LABEL_PX = 230
BAR_VALUE_PX = 150
BAR_WIDTH_PX = 720


def columns(
    points: list[tuple[str, int]], title: str, label_every: int = 1
) -> str:
    """One column per (label, count), the tallest scaled to the chart's height; each
    column has its exact count as a tooltip, every `label_every`-th label is written."""
    width, height = COLUMN_WIDTH_PX, COLUMN_HEIGHT_PX
    peak = max((value for _, value in points), default=0)
    slot = width / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + LABEL_BAND_PX}" role="img" '
        f'aria-label="{escape(title)}"><line class="axis" x1="0" y1="{height}" '
        f'x2="{width}" y2="{height}"/>'
        f'<text class="peak" x="2" y="10">max {peak:,}</text>'
    ]
    for index, (label, value) in enumerate(points):
        bar_px = 0.0 if not peak else value / peak * (height - 14)
        x = index * slot
        bar_width = min(slot * 0.76, MAX_COLUMN_PX)
        parts.append(
            f'<rect class="bar" x="{x + (slot - bar_width) / 2:.1f}" '
            f'y="{height - bar_px:.1f}" width="{bar_width:.1f}" height="{bar_px:.1f}">'
            f'<title>{escape(label)}: '
            f'{value:,}</title></rect>'
        )
        if index % label_every == 0:
            parts.append(
                f'<text class="tick" x="{x + slot / 2:.1f}" y="{height + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    rows: list[tuple[str, list[int], str]], title: str, classes: tuple[str, ...] = ("bar",)
) -> str:
    """One horizontal bar per (label, [series counts], text at its right end); bars are
    scaled to the largest row total; series i takes class `classes[i]`."""
    peak = max((sum(values) for _, values, _ in rows), default=0)
    room = BAR_WIDTH_PX - BAR_LABEL_PX - BAR_VALUE_PX
    height = BAR_ROW_PX * len(rows) + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {BAR_WIDTH_PX} {height}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    for index, (label, values, text) in enumerate(rows):
        y = index * BAR_ROW_PX + 2
        parts.append(
            f'<text class="label" x="{BAR_LABEL_PX - 6}" y="{y + 14}" '
            f'text-anchor="end">{escape(_clip(label))}<title>{escape(label)}</title></text>'
        )
        x = float(BAR_LABEL_PX)
        for series, value in enumerate(values):
            bar_px = 0.0 if not peak else value / peak * room
            parts.append(
                f'<rect class="{classes[series]}" x="{x:.1f}" y="{y + 3}" width="{bar_px:.1f}" '
                f'height="{BAR_ROW_PX - 8}"><title>{escape(label)}: {value:,}</title></rect>'
            )
            x += bar_px
        parts.append(f'<text class="value" x="{x + 6:.1f}" y="{y + 14}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _clip(label: str, chars: int = 34) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"

"""Horizontal bar charts as inline SVG, drawn from report figures.

Colours are the Okabe-Ito palette, each with its own fill pattern, and every bar carries its
value as text, so colour is never the only cue. A hidden (suppressed) count is drawn as a
fixed stub with a grey hatch, so its length reveals nothing.
"""

from __future__ import annotations

import textwrap
from html import escape

from cmr_reason.reasoner.report.figures import Cell, Chart, Row, Series

WIDTH = 860
LABEL_W = 260
BAR_H = 18
ROW_GAP = 12
LINE_H = 15
CHAR_W = 6.8  # mean advance of the 13px sans-serif labels
STUB = 6  # width of a hidden count's bar
VALUE_CHAR_W = 7.6  # mean advance of the bold value labels
DARK, LIGHT = "#1a1a1a", "#ffffff"

# key -> (fill, pattern, pattern ink)
STYLES: dict[str, tuple[str, str, str]] = {
    "dismiss_and_seal": ("#009E73", "solid", LIGHT),
    "redesignate_misdemeanor": ("#0072B2", "diagonal", LIGHT),
    "redesignate_infraction": ("#56B4E9", "dots", DARK),
    "resentence": ("#CC79A7", "cross", DARK),
    "review": ("#E69F00", "horizontal", DARK),
    "not_eligible": ("#D55E00", "backdiagonal", LIGHT),
    "no_relief": ("#999999", "vertical", DARK),
    "not_applicable": ("#F0E442", "grid", DARK),
    "used": ("#009E73", "solid", LIGHT),
    "irrelevant": ("#999999", "vertical", DARK),
    "rejected": ("#D55E00", "backdiagonal", LIGHT),
    "a": ("#0072B2", "solid", LIGHT),
    "b": ("#E69F00", "diagonal", DARK),
    "people": ("#0072B2", "solid", LIGHT),
    "suppressed": ("#ffffff", "diagonal", "#767676"),
}
DEFAULT_KEY = "people"

_PATTERN_SHAPES = {
    "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke-width="1.6"/>',
    "backdiagonal": '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke-width="1.6"/>',
    "dots": '<circle cx="2" cy="2" r="1.3"/><circle cx="6" cy="6" r="1.3"/>',
    "cross": '<path d="M0,0 l8,8 M8,0 l-8,8" stroke-width="1"/>',
    "horizontal": '<path d="M0,2 h8 M0,6 h8" stroke-width="1.3"/>',
    "vertical": '<path d="M2,0 v8 M6,0 v8" stroke-width="1.3"/>',
    "grid": '<path d="M0,4 h8 M4,0 v8" stroke-width="0.9"/>',
}


def _style(key: str) -> tuple[str, str, str]:
    return STYLES.get(key, STYLES[DEFAULT_KEY])


def _fill(chart_id: str, key: str) -> str:
    colour, pattern, _ = _style(key)
    return colour if pattern == "solid" else f"url(#{chart_id}-p-{key})"


def _pattern(chart_id: str, key: str) -> str:
    colour, pattern, ink = _style(key)
    if pattern == "solid":
        return ""
    shape = _PATTERN_SHAPES[pattern]
    return (
        f'<pattern id="{chart_id}-p-{key}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/>'
        f'<g stroke="{ink}" fill="{ink}">{shape}</g></pattern>'
    )


def _text(x: float, y: float, text: str, cls: str = "", anchor: str = "start") -> str:
    attrs = f' class="{cls}"' if cls else ""
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    return f'<text x="{x:.1f}" y="{y:.1f}"{attrs}>{escape(text)}</text>'


def _wrap(label: str) -> list[str]:
    return textwrap.wrap(label, int((LABEL_W - 12) / CHAR_W)) or [""]


def _bar(chart_id: str, key: str, x: float, y: float, width: float, title: str) -> str:
    fill = _fill(chart_id, key)
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{BAR_H}" fill="{fill}" '
        f'stroke="{DARK}" stroke-width="0.6"><title>{escape(title)}</title></rect>'
    )


def _stub(chart_id: str, x: float, y: float, title: str) -> str:
    return _bar(chart_id, "suppressed", x, y, STUB, title)


def _length(cell: Cell, scale: float) -> float:
    if cell.value is None:
        return STUB
    return cell.value * scale


def _scale(values: list[float], labels: list[str], stubs: list[int] | None = None) -> float:
    """Pixels per unit, leaving room for the longest value label and each bar's stubs."""
    room = max((len(t) for t in labels), default=0) * VALUE_CHAR_W + 16
    area = WIDTH - LABEL_W - room - 8
    stubs = stubs or [0] * len(values)
    fits = [(area - n * STUB) / v for v, n in zip(values, stubs, strict=True) if v > 0]
    return max(min(fits, default=0.0), 0.0)


def _value_label(row: Row, cell: Cell) -> str:
    return cell.text + (f" ({row.texts[0]})" if row.texts else "")


def _legend(chart_id: str, chart: Chart, y: float) -> tuple[list[str], float]:
    """Swatches and labels in rows; returns the elements and the height used."""
    parts, x, row_y = [], 0.0, y
    shown = len(chart.series)
    hidden = any(c.value is None for r in chart.rows for c in r.cells[:shown])
    entries = list(chart.series)
    if hidden:
        entries.append(Series("suppressed", "suppressed count, fixed width"))
    for series in entries:
        width = 22 + len(series.label) * VALUE_CHAR_W + 14
        if x + width > WIDTH and x > 0:
            x, row_y = 0.0, row_y + 20
        parts.append(
            f'<rect x="{x:.1f}" y="{row_y:.1f}" width="16" height="12" '
            f'fill="{_fill(chart_id, series.key)}" stroke="{DARK}" stroke-width="0.6"/>'
        )
        parts.append(_text(x + 22, row_y + 10.5, series.label, "legend"))
        x += width
    return parts, row_y - y + 28


def _row_label(lines: list[str], y: float) -> list[str]:
    return [
        _text(LABEL_W - 10, y + 13 + i * LINE_H, line, "label", "end")
        for i, line in enumerate(lines)
    ]


def _row_height(lines: list[str], bars: int = 1) -> float:
    return max(len(lines) * LINE_H + 4, bars * BAR_H + (bars - 1) * 4) + ROW_GAP


def _bars(chart_id: str, chart: Chart, y0: float) -> tuple[list[str], float]:
    scale = _scale(
        [r.cells[0].value for r in chart.rows if r.cells[0].value is not None],
        [_value_label(r, r.cells[0]) for r in chart.rows],
    )
    body, y = [], y0
    for row in chart.rows:
        lines, cell = _wrap(row.label), row.cells[0]
        body += _row_label(lines, y)
        length = _length(cell, scale)
        title = f"{row.label}: {cell.text}"
        if cell.value is None:
            body.append(_stub(chart_id, LABEL_W, y, title))
        elif length > 0:
            body.append(_bar(chart_id, row.key or chart.series[0].key, LABEL_W, y, length, title))
        body.append(_text(LABEL_W + length + 6, y + 13.5, _value_label(row, cell), "value"))
        y += _row_height(lines)
    return body, y


def _stacked(chart_id: str, chart: Chart, y0: float) -> tuple[list[str], float]:
    width = len(chart.series)
    scale = _scale(
        [sum(c.value or 0 for c in r.cells[:width]) for r in chart.rows],
        [r.cells[width].text for r in chart.rows if len(r.cells) > width],
        [sum(c.value is None for c in r.cells[:width]) for r in chart.rows],
    )
    body, y = [], y0
    for row in chart.rows:
        lines = _wrap(row.label)
        body += _row_label(lines, y)
        x = float(LABEL_W)
        for series, cell in zip(chart.series, row.cells, strict=False):
            if cell.value == 0:
                continue
            length = _length(cell, scale)
            title = f"{row.label}, {series.label}: {cell.text}"
            if cell.value is None:
                body.append(_stub(chart_id, x, y, title))
            else:
                body.append(_bar(chart_id, series.key, x, y, length, title))
                if length >= len(cell.text) * CHAR_W + 8:
                    body.append(_text(x + length / 2, y + 13.5, cell.text, "inbar", "middle"))
            x += length
        if len(row.cells) > width:  # the row's total
            body.append(_text(x + 6, y + 13.5, row.cells[width].text, "value"))
        y += _row_height(lines)
    return body, y


def _grouped(chart_id: str, chart: Chart, y0: float) -> tuple[list[str], float]:
    scale = _scale(
        [c.value for r in chart.rows for c in r.cells if c.value is not None],
        [c.text for r in chart.rows for c in r.cells],
    )
    body, y = [], y0
    for row in chart.rows:
        lines = _wrap(row.label)
        body += _row_label(lines, y)
        for i, (series, cell) in enumerate(zip(chart.series, row.cells, strict=False)):
            by = y + i * (BAR_H + 4)
            length = _length(cell, scale)
            title = f"{row.label}, {series.label}: {cell.text}"
            if cell.value is None:
                body.append(_stub(chart_id, LABEL_W, by, title))
            elif length > 0:
                body.append(_bar(chart_id, series.key, LABEL_W, by, length, title))
            body.append(_text(LABEL_W + length + 6, by + 13.5, cell.text, "value"))
        y += _row_height(lines, len(chart.series))
    return body, y


def describe(chart: Chart) -> str:
    """The chart's data in one paragraph, for its ``<desc>``."""
    items = []
    for row in chart.rows:
        if chart.kind == "bars":
            items.append(f"{row.label}: {_value_label(row, row.cells[0])}")
        else:
            values = ", ".join(
                f"{s.label} {c.text}"
                for s, c in zip(chart.series, row.cells, strict=False)
                if c.value != 0
            )
            items.append(f"{row.label}: {values}")
    note = f"{chart.note} " if chart.note else ""
    return f"{note}{'; '.join(items)}."


def render(chart: Chart, chart_id: str) -> str:
    """The chart as an accessible inline ``<svg>`` element."""
    parts: list[str] = []
    y = 4.0
    if chart.kind != "bars":
        legend, used = _legend(chart_id, chart, y)
        parts += legend
        y += used
    draw = {"bars": _bars, "stacked": _stacked, "grouped": _grouped}[chart.kind]
    body, height = draw(chart_id, chart, y)
    parts += body
    keys = {s.key for s in chart.series} | {r.key for r in chart.rows if r.key} | {"suppressed"}
    defs = "".join(_pattern(chart_id, k) for k in sorted(keys))
    height = int(height + 4)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>'
        f'<desc id="{chart_id}-d">{escape(describe(chart))}</desc>'
        f"<defs>{defs}</defs>" + "".join(parts) + "</svg>"
    )

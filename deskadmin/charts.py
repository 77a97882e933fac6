"""Server-rendered SVG charts of a `models.report_table.Table`: horizontal bars and lines.

No script and no inline style (the CSP): shapes carry classes that `static/css/dashboard.css`
colours, and everything a reader needs is in text or in shape, never in colour alone: each bar
has its number written beside it, each line its own dash pattern and marker and a legend. The
chart is `role="img"` with a title; the page puts the same numbers in an HTML table beside it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 560
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 220
LINE_HEIGHT = 220
MARKERS = ("circle", "square", "triangle")


def _column(table, key: str) -> int:
    return next(i for i, c in enumerate(table.columns) if c.key == key)


def _number(value) -> float:
    return float(value) if value is not None else 0.0


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _short(label: str, limit: int = 30) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(table, label_key: str, value_key: str, chart_id: str) -> Markup:
    """Horizontal bars of `value_key` per row, labelled by `label_key`, each with its number."""
    rows = list(table.rows)
    li, vi = _column(table, label_key), _column(table, value_key)
    top = max((_number(r[vi]) for r in rows), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 60
    height = max(1, len(rows)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    title = f"{table.title}: {table.columns[vi].label}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="desk-chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for i, row in enumerate(rows):
        y = BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        width = round(plot * _number(row[vi]) / top, 1)
        middle = y + BAR_HEIGHT / 2 + 4
        parts.append(
            f'<text class="chart-label" x="{LABEL_WIDTH - 6}" y="{middle}" text-anchor="end">'
            f"{escape(_short(row[li]))}</text>"
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width}" '
            f'height="{BAR_HEIGHT}"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + width + 6}" y="{middle}">'
            f"{escape(_text(row[vi]))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _marker(kind: str, x: float, y: float, css: str) -> str:
    if kind == "circle":
        return f'<circle class="{css}" cx="{x}" cy="{y}" r="4"/>'
    if kind == "square":
        return f'<rect class="{css}" x="{x - 4}" y="{y - 4}" width="8" height="8"/>'
    return f'<polygon class="{css}" points="{x},{y - 5} {x - 5},{y + 4} {x + 5},{y + 4}"/>'


def line_chart(table, x_key: str, series_keys: list[str], chart_id: str) -> Markup:
    """One line per column of `series_keys` over the rows (x: `x_key`), each with its own dash
    pattern, marker and legend entry; the last value of each line is written at its end."""
    rows = list(table.rows)
    xi = _column(table, x_key)
    indexes = [_column(table, k) for k in series_keys]
    top = max((_number(r[i]) for r in rows for i in indexes), default=0) or 1
    left, right, upper, lower = 40, 60, 30, 40
    plot_w, plot_h = WIDTH - left - right, LINE_HEIGHT - upper - lower
    step = plot_w / max(1, len(rows) - 1)

    def point(n, value):
        return round(left + n * step, 1), round(upper + plot_h * (1 - _number(value) / top), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="desk-chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {LINE_HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(table.title)}</title>',
        f'<line class="chart-axis" x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" '
        f'y2="{upper + plot_h}"/>',
        f'<text class="chart-tick" x="{left - 6}" y="{upper + 4}" text-anchor="end">'
        f"{escape(_text(top if top % 1 else int(top)))}</text>",
        f'<text class="chart-tick" x="{left - 6}" y="{upper + plot_h + 4}" '
        'text-anchor="end">0</text>',
    ]
    for n, row in enumerate(rows):
        if n % 2 == 0 or n == len(rows) - 1:
            x, _y = point(n, 0)
            parts.append(
                f'<text class="chart-tick" x="{x}" y="{upper + plot_h + 16}" '
                f'text-anchor="middle">{escape(str(row[xi])[2:])}</text>'
            )
    for s, index in enumerate(indexes):
        css = f"chart-series-{s}"
        points = [point(n, row[index]) for n, row in enumerate(rows)]
        path = " ".join(f"{x},{y}" for x, y in points)
        parts.append(f'<polyline class="chart-line {css}" points="{path}"/>')
        marker = MARKERS[s % len(MARKERS)]
        parts.extend(_marker(marker, x, y, f"chart-marker {css}") for x, y in points)
        if rows:
            x, y = points[-1]
            parts.append(
                f'<text class="chart-value" x="{x + 8}" y="{y + 4}">'
                f"{escape(_text(rows[-1][index]))}</text>"
            )
        legend_x = left + s * 170
        parts.append(
            f'<line class="chart-line {css}" x1="{legend_x}" y1="12" x2="{legend_x + 24}" y2="12"/>'
            + _marker(marker, legend_x + 12, 12, f"chart-marker {css}")
            + f'<text class="chart-label" x="{legend_x + 30}" y="16">'
            f"{escape(table.columns[index].label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))

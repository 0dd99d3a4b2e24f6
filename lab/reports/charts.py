"""Charts drawn on the server as SVG: bars, stacked bars, lines and a heatmap.

Each chart is a complete ``<svg role="img">`` named by its own ``<title>`` and ``<desc>``, sized
by its viewBox (it fills its column on screen and on paper), and readable without colour: every
bar and point carries its value as text, series are told apart by their shade *and* a direct
label, and a withheld value (small-cell suppression, ``None``) is drawn as an empty outline
marked "×", never as a zero. Only presentation attributes are used (no CSS, no pattern, no
script), so the PDF writer can draw the same SVG. Colours meet WCAG 2.2 AA: text 4.5:1 on its
background, bars 3:1 against white.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

Format = Callable[[float], str]
FONT = "DejaVu Sans, sans-serif"
INK = "#1b1b1b"
MUTED = "#4a4a4a"
GRID = "#949494"
# Series shades, dark to light, each ≥ 3:1 against white (the first is lab's primary blue).
SHADES = ("#1d3557", "#2a7f62", "#8a4b08", "#6a3d9a")
WITHHELD = "×"
EMPTY = "Aucune donnée sur la période"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
WIDTH = 640


def _plain(value: float) -> str:
    return f"{value:g}"


def _check_id(chart_id: str) -> str:
    if not _ID.match(chart_id):
        raise ValueError(f"not a safe chart id: {chart_id!r}")
    return chart_id


def _text(
    x: float, y: float, text: str, *, size: int = 13, anchor: str = "start", fill: str = INK
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def _frame(chart_id: str, title: str, description: str, height: float, body: list[str]) -> Markup:
    chart_id = _check_id(chart_id)
    # Every text that reaches the markup went through escape() (labels, values, title) or is
    # lab's own (numbers, colours, a checked id).
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'id="{chart_id}" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<rect x="0" y="0" width="{WIDTH}" height="{height:.0f}" fill="#ffffff"/>'
        + "".join(body)
        + "</svg>"
    )


def _empty(chart_id: str, title: str, description: str, empty_text: str) -> Markup:
    return _frame(
        chart_id, title, description, 60, [_text(WIDTH / 2, 35, empty_text, anchor="middle")]
    )


def _scale(values: Sequence[float | None]) -> float:
    top = max((value for value in values if value is not None), default=0)
    return top if top > 0 else 1


def _withheld_box(x: float, y: float, width: float, height: float) -> list[str]:
    return [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 1):.1f}" height="{max(height, 1):.1f}" '
        f'fill="#ffffff" stroke="{MUTED}" stroke-width="1" stroke-dasharray="4 3"/>',
    ]


def bars(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    fmt: Format = _plain,
    horizontal: bool = False,
    empty_text: str = EMPTY,
) -> Markup:
    """One bar per label, its value written at its end."""
    if not labels:
        return _empty(chart_id, title, description, empty_text)
    top = _scale(values)
    body: list[str] = []
    if horizontal:
        label_width, row = 220, 30
        plot = WIDTH - label_width - 80
        height = 20 + row * len(labels)
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            y = 10 + index * row
            body.append(_text(label_width - 8, y + 19, _short(label, 30), anchor="end"))
            if value is None:
                body += _withheld_box(label_width, y + 4, plot * 0.15, row - 10)
                body.append(_text(label_width + plot * 0.15 + 6, y + 19, WITHHELD))
                continue
            length = plot * (value / top)
            body.append(
                f'<rect x="{label_width}" y="{y + 4}" width="{max(length, 0):.1f}" '
                f'height="{row - 10}" fill="{SHADES[0]}"/>'
            )
            body.append(_text(label_width + length + 6, y + 19, fmt(value)))
        body.append(_axis(label_width, 10, label_width, height - 10))
        return _frame(chart_id, title, description, height, body)
    height, base, left = 260, 210, 40
    slot = (WIDTH - left - 10) / len(labels)
    width = max(slot * 0.6, 2)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + index * slot + (slot - width) / 2
        centre = x + width / 2
        if value is None:
            body += _withheld_box(x, base - 30, width, 30)
            body.append(_text(centre, base - 36, WITHHELD, anchor="middle"))
        else:
            tall = (base - 30) * (value / top)
            body.append(
                f'<rect x="{x:.1f}" y="{base - tall:.1f}" width="{width:.1f}" '
                f'height="{max(tall, 0):.1f}" fill="{SHADES[0]}"/>'
            )
            body.append(_text(centre, base - tall - 5, fmt(value), size=11, anchor="middle"))
        if len(labels) <= 16 or index % math.ceil(len(labels) / 16) == 0:
            body.append(_text(centre, base + 18, _short(label, 12), size=11, anchor="middle"))
    body.append(_axis(left, base, WIDTH - 10, base))
    return _frame(chart_id, title, description, height, body)


def stacked_bars(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    fmt: Format = _plain,
    empty_text: str = EMPTY,
) -> Markup:
    """Horizontal bars made of one segment per series, each segment labelled with its value;
    a legend names each series next to its shade."""
    if not labels or not series:
        return _empty(chart_id, title, description, empty_text)
    totals = [sum(values[index] or 0 for _name, values in series) for index in range(len(labels))]
    top = _scale(totals)
    label_width, row, legend = 220, 32, 30
    plot = WIDTH - label_width - 60
    height = legend + 20 + row * len(labels)
    body = _legend([name for name, _values in series])
    for index, label in enumerate(labels):
        y = legend + 10 + index * row
        body.append(_text(label_width - 8, y + 20, _short(label, 30), anchor="end"))
        x = float(label_width)
        for position, (_name, values) in enumerate(series):
            value = values[index]
            if value is None:
                body += _withheld_box(x, y + 4, 24, row - 10)
                body.append(_text(x + 12, y + 20, WITHHELD, anchor="middle"))
                x += 28
                continue
            length = plot * (value / top)
            if length <= 0:
                continue
            shade = SHADES[position % len(SHADES)]
            body.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{length:.1f}" height="{row - 10}" '
                f'fill="{shade}" stroke="#ffffff" stroke-width="1"/>'
            )
            if length > 28:
                body.append(
                    _text(x + length / 2, y + 20, fmt(value), size=11, anchor="middle", fill="#fff")
                )
            x += length
    body.append(_axis(label_width, legend + 10, label_width, height - 10))
    return _frame(chart_id, title, description, height, body)


def lines(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    fmt: Format = _plain,
    empty_text: str = EMPTY,
) -> Markup:
    """One line per series over the labels, points marked with a shape of their own (circle,
    square, triangle…) and the series named at the line's end."""
    if not labels or not series:
        return _empty(chart_id, title, description, empty_text)
    top = _scale([value for _name, values in series for value in values])
    height, base, left, right, legend = 280, 220, 40, 120, 30
    step = (WIDTH - left - right) / max(len(labels) - 1, 1)
    body = _legend([name for name, _values in series])
    for position, (name, values) in enumerate(series):
        shade = SHADES[position % len(SHADES)]
        points = []
        for index, value in enumerate(values):
            x = left + index * step
            if value is None:
                body.append(_text(x, base - 4, WITHHELD, size=12, anchor="middle"))
                continue
            y = base - (base - legend - 20) * (value / top)
            points.append((x, y))
            body.append(_marker(position, x, y, shade))
            if len(labels) <= 12:
                body.append(_text(x, y - 8, fmt(value), size=10, anchor="middle"))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{shade}" stroke-width="2"/>'
            )
        if points:
            x, y = points[-1]
            body.append(_text(x + 10, y + 4 + position * 12, _short(name, 16), size=11))
    for index, label in enumerate(labels):
        if len(labels) <= 14 or index % math.ceil(len(labels) / 14) == 0:
            body.append(
                _text(left + index * step, base + 18, _short(label, 10), size=11, anchor="middle")
            )
    body.append(_axis(left, base, WIDTH - right + 10, base))
    return _frame(chart_id, title, description, height, body)


def heatmap(
    chart_id: str,
    title: str,
    description: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    fmt: Format = _plain,
    empty_text: str = EMPTY,
) -> Markup:
    """A grid of cells shaded by value (one hue, light to dark), each cell's value written in
    it in a colour that contrasts with its shade."""
    if not row_labels or not column_labels:
        return _empty(chart_id, title, description, empty_text)
    top = _scale([value for row in values for value in row])
    left, top_margin = 70, 26
    cell_width = (WIDTH - left - 6) / len(column_labels)
    cell_height = 30
    height = top_margin + cell_height * len(row_labels) + 8
    body = [
        _text(left + (index + 0.5) * cell_width, 18, label, size=10, anchor="middle")
        for index, label in enumerate(column_labels)
    ]
    for row_index, label in enumerate(row_labels):
        y = top_margin + row_index * cell_height
        body.append(_text(left - 6, y + 20, _short(label, 10), size=12, anchor="end"))
        for column_index, value in enumerate(values[row_index]):
            x = left + column_index * cell_width
            if value is None:
                body += _withheld_box(x + 1, y + 1, cell_width - 2, cell_height - 2)
                body.append(_text(x + cell_width / 2, y + 20, WITHHELD, size=11, anchor="middle"))
                continue
            fill, ink = shade_for(value / top)
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell_width:.1f}" height="{cell_height}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="1"/>'
            )
            body.append(
                f'<text x="{x + cell_width / 2:.1f}" y="{y + 20:.1f}" font-family="{FONT}" '
                f'font-size="9" text-anchor="middle" fill="{ink}">{escape(fmt(value))}</text>'
            )
    return _frame(chart_id, title, description, height, body)


# A sequential blue scale, light to dark; text is dark on the light half, white on the dark.
_SCALE = ("#f3f6fa", "#dbe5f1", "#b9cde4", "#8fb0d3", "#5b87b8", "#35628f", "#1d3557")


def shade_for(share: float) -> tuple[str, str]:
    """The cell's fill for a share of the maximum (0..1), and the text colour that reads on it."""
    step = min(len(_SCALE) - 1, max(0, round(share * (len(_SCALE) - 1))))
    return _SCALE[step], (INK if step <= 4 else "#ffffff")  # each pair ≥ 4.5:1


def _marker(position: int, x: float, y: float, shade: str) -> str:
    kind = position % 3
    if kind == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{shade}"/>'
    if kind == 1:
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{shade}"/>'
    return (
        f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}" '
        f'fill="{shade}"/>'
    )


def _legend(names: Sequence[str]) -> list[str]:
    body, x = [], 10.0
    for position, name in enumerate(names):
        shade = SHADES[position % len(SHADES)]
        body.append(f'<rect x="{x:.1f}" y="8" width="14" height="14" fill="{shade}"/>')
        body.append(_text(x + 20, 20, _short(name, 28), size=12))
        x += 40 + 7.5 * min(len(name), 28)
    return body


def _axis(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    )


def _short(text: str, limit: int) -> str:
    """A label cut to fit (the full text is in the table beside the chart)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"

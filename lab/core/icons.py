"""Draws lab's icon: « lab » in white on the staff pages' navy, underlined in their yellow.

One list of shapes makes both the SVG and the PNGs (drawn 4× larger, then scaled down so that
edges are smooth). Run it after changing a shape, and commit what it writes:
    .venv/bin/python -m lab.core.icons
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

# Kept out of static/: everything there is served to anyone.
HERE = Path(__file__).resolve().parents[2] / "static" / "img"
NAVY, WHITE, YELLOW = "#1d3557", "#ffffff", "#ffbf47"  # --primary, --primary-ink, --accent
SIZE, CORNER, STROKE = 512, 112, 40
# Bars (x, y, width, height, colour) and rings (centre x, centre y, radius, colour), on 512.
BARS = [
    (72, 112, STROKE, 224, WHITE),  # l
    (236, 200, STROKE, 136, WHITE),  # a's stem
    (304, 112, STROKE, 224, WHITE),  # b's stem
    (72, 376, 368, 24, YELLOW),  # the underline
]
RINGS = [(208, 268, 48, WHITE), (372, 268, 48, WHITE)]  # a's bowl, b's bowl


def svg() -> str:
    shapes = [f'<rect width="{SIZE}" height="{SIZE}" rx="{CORNER}" fill="{NAVY}"/>']
    for x, y, width, height, colour in BARS:
        radius = min(width, height) // 2
        shapes.append(
            f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="{radius}" '
            f'fill="{colour}"/>'
        )
    for cx, cy, r, colour in RINGS:
        shapes.append(
            f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{colour}" '
            f'stroke-width="{STROKE}"/>'
        )
    body = "\n  ".join(shapes)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" role="img" '
        f'aria-label="lab">\n  {body}\n</svg>\n'
    )


def png(size: int, *, rounded: bool = True) -> Image.Image:
    """The icon at ``size`` pixels; ``rounded=False`` fills the square (iOS rounds it)."""
    scale = 4 * size / SIZE
    big = Image.new("RGBA", (4 * size, 4 * size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    box = (0, 0, 4 * size - 1, 4 * size - 1)
    draw.rounded_rectangle(box, radius=CORNER * scale if rounded else 0, fill=NAVY)
    for x, y, width, height, colour in BARS:
        corners = (x * scale, y * scale, (x + width) * scale - 1, (y + height) * scale - 1)
        draw.rounded_rectangle(corners, radius=min(width, height) * scale / 2, fill=colour)
    for cx, cy, r, colour in RINGS:
        outer = r + STROKE / 2
        corners = ((cx - outer) * scale, (cy - outer) * scale)
        corners += ((cx + outer) * scale - 1, (cy + outer) * scale - 1)
        draw.ellipse(corners, outline=colour, width=round(STROKE * scale))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    (HERE / "icon.svg").write_text(svg())
    for size in (32, 192, 512):
        png(size).save(HERE / f"icon-{size}.png", optimize=True)
    png(180, rounded=False).save(HERE / "apple-touch-icon.png", optimize=True)
    png(48).save(HERE / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()

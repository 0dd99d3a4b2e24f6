"""Printable asset tags: a QR code and the tag in large letters, as PNG or an A4 PDF sheet.

The QR carries ``LAB-ASSET:<tag>``, never an id: a scanner at the desk tells a tag from a
visitor's pass by that prefix, and the printed letters let a person type it when the camera
fails.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

# The pass card's fonts and text fitting, so tags and cards look alike.
from lab.core.fonts import A4_PIXELS as A4_SIZE
from lab.core.fonts import PRINT_DPI as DPI
from lab.core.fonts import fit_line as _fit
from lab.core.qr import qr_image

QR_PREFIX = "LAB-ASSET:"
# 60 mm × 30 mm at 300 dpi: fits on the back of a tablet, three across an A4 sheet.
TAG_SIZE = (709, 354)
COLUMNS, ROWS = 3, 8


def qr_content(tag: str) -> str:
    return f"{QR_PREFIX}{tag}"


def tag_image(tag: str, label: str, lab_name: str) -> Image.Image:
    image = Image.new("RGB", TAG_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, TAG_SIZE[0] - 1, TAG_SIZE[1] - 1), outline="#b0b0b0", width=2)
    qr = qr_image(qr_content(tag), box_size=10)
    side = min(qr.size[0], TAG_SIZE[1] - 24)
    qr = qr.resize((side, side), Image.NEAREST)
    image.paste(qr, (12, (TAG_SIZE[1] - side) // 2))
    left = 12 + side + 12
    width = TAG_SIZE[0] - left - 24
    text, font = _fit(draw, tag, 84, width)
    draw.text((left, 70), text, fill="black", font=font)
    if label:
        text, font = _fit(draw, label, 34, width)
        draw.text((left, 185), text, fill="#1b1b1b", font=font)
    text, font = _fit(draw, lab_name, 26, width)
    draw.text((left, 260), text, fill="#4a4a4a", font=font)
    return image


def tag_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def sheet_pdf(images: Sequence[Image.Image]) -> bytes:
    """A4 pages of tags at their real size, 3 × 8 per page, edge to edge to cut along."""
    per_page = COLUMNS * ROWS
    left = (A4_SIZE[0] - COLUMNS * TAG_SIZE[0]) // 2
    top = (A4_SIZE[1] - ROWS * TAG_SIZE[1]) // 2
    pages: list[Image.Image] = []
    for start in range(0, max(len(images), 1), per_page):
        page = Image.new("RGB", A4_SIZE, "white")
        for index, image in enumerate(images[start : start + per_page]):
            row, column = divmod(index, COLUMNS)
            page.paste(image, (left + column * TAG_SIZE[0], top + row * TAG_SIZE[1]))
        pages.append(page)
    buffer = io.BytesIO()
    pages[0].save(
        buffer,
        format="PDF",
        resolution=DPI,
        quality=95,
        save_all=True,
        append_images=pages[1:],
    )
    return buffer.getvalue()

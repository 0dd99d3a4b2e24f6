"""The printable pass card: lab name, first name, QR and short code, as PNG or PDF (Pillow)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from lab.core.qr import qr_image

DPI = 300
# ISO/IEC 7810 ID-1, the size of a bank card, so it fits a wallet and a card printer.
CARD_SIZE = (1011, 638)  # 85.6 mm × 54 mm at 300 dpi
A4_SIZE = (2480, 3508)
_SYSTEM_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # A system font covers more alphabets; Pillow's bundled font is the offline fallback.
    for path in _SYSTEM_FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> tuple[str, object]:
    """Shrink the font until ``text`` fits in ``width`` pixels (long first names exist)."""
    while size > 18:
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return text, font
        size -= 4
    return text, _font(size)


def card_image(
    lab_name: str, first_name: str, url: str, short_code: str, footer: str
) -> Image.Image:
    card = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(card)
    draw.rounded_rectangle(
        (2, 2, CARD_SIZE[0] - 3, CARD_SIZE[1] - 3), 36, outline="#1d3557", width=4
    )
    qr = qr_image(url, box_size=12)
    side = 520
    qr = qr.resize((side, side), Image.NEAREST)
    card.paste(qr, (36, (CARD_SIZE[1] - side) // 2))
    left, width = 36 + side + 24, CARD_SIZE[0] - (36 + side + 24) - 36
    text, font = _fit(draw, lab_name, 40, width)
    draw.text((left, 70), text, fill="#1d3557", font=font)
    text, font = _fit(draw, first_name, 72, width)
    draw.text((left, 170), text, fill="black", font=font)
    text, font = _fit(draw, short_code, 64, width)
    draw.text((left, 330), text, fill="black", font=font)
    y = 450
    for line in _wrap(draw, footer, _font(26), width):
        draw.text((left, y), line, fill="#333333", font=_font(26))
        y += 34
    return card


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: object, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def card_png(card: Image.Image) -> bytes:
    buffer = io.BytesIO()
    card.save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def card_pdf(card: Image.Image) -> bytes:
    """An A4 page with the card at its real size near the top, ready to print and cut out."""
    page = Image.new("RGB", A4_SIZE, "white")
    page.paste(card, ((A4_SIZE[0] - CARD_SIZE[0]) // 2, 300))
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=DPI, quality=95)
    return buffer.getvalue()

"""The fonts of printed documents (sign-in sheets, certificates, pass cards).

Names come in every alphabet, so documents use DejaVu Sans, vendored in static/vendor/fonts: it
covers Latin (with every European accent), Greek, Cyrillic, Armenian and Georgian, and has the
no-break spaces French punctuation needs. Without it (a trimmed install), the system's copy; then
fpdf2's core font, with a Latin-1 transliteration of what it cannot show.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fpdf import FPDF
from PIL import ImageDraw, ImageFont

from lab.settings import PROJECT_ROOT

FONT_DIRS = (PROJECT_ROOT / "static" / "vendor" / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
_ASCII = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "·": "."}
# A narrow no-break space is not in Latin-1: keep it unbreakable, if wider.
_ASCII["\u202f"] = "\u00a0"


def dejavu() -> tuple[Path, Path] | None:
    """DejaVu Sans, regular and bold, or None when neither copy is there."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


# Images to print (pass cards, asset tags) are drawn with Pillow at this resolution.
PRINT_DPI = 300
A4_PIXELS = (2480, 3508)  # 210 × 297 mm at PRINT_DPI


@cache
def pil_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans at ``size`` pixels for Pillow, as the PDFs use; Pillow's bundled font is the
    offline fallback."""
    fonts = dejavu()
    if fonts:
        return ImageFont.truetype(str(fonts[1] if bold else fonts[0]), size)
    return ImageFont.load_default(size=size)


def fit_line(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> tuple[str, object]:
    """Shrink the font until ``text`` fits in ``width`` pixels on one line (asset tags' labels)."""
    while size > 18:
        font = pil_font(size)
        if draw.textlength(text, font=font) <= width:
            return text, font
        size -= 4
    return text, pil_font(size)


def latin1(text: str) -> str:
    """What a core PDF font can show: accents kept where Latin-1 has them, others dropped."""
    out = []
    for char in text:
        char = _ASCII.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            char = base or "?"
        out.append(char)
    return "".join(out)


class LabPdf(FPDF):
    """The base of lab's printed documents: A4 portrait in millimetres, in DejaVu Sans when it is
    there, else in the core font with what Latin-1 can show (see ``t``)."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        fonts = dejavu()  # looked up at each document, so that a test can take the font away
        self.unicode_text = fonts is not None
        if fonts:
            self.add_font("DejaVu", "", str(fonts[0]))
            self.add_font("DejaVu", "B", str(fonts[1]))
            self.family_name = "DejaVu"
        else:
            self.family_name = "Helvetica"

    def t(self, text: str) -> str:
        """``text`` as this document's font can draw it."""
        return text if self.unicode_text else latin1(text)

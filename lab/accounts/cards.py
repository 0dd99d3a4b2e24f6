"""The printable pass card: lab name, first name, QR and short code.

One layout, in millimetres, drawn twice: as a PDF with fpdf2 (real text a reader can select,
search and read aloud, a vector QR that prints sharp at any size) and as a PNG with Pillow (to
send or show on a screen). Texts are fitted to the card: the lab's name wraps on up to three
lines and shrinks, a long first name on two; nothing runs past the card's edge.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator

from PIL import Image, ImageDraw

from lab.core import clock
from lab.core.fonts import PRINT_DPI, LabPdf, pil_font
from lab.core.qr import qr_matrix

DPI = PRINT_DPI
MM = DPI / 25.4  # pixels per millimetre in the PNG
PT = 25.4 / 72  # millimetres per typographic point
# ISO/IEC 7810 ID-1, the size of a bank card, so it fits a wallet and a card printer.
CARD_MM = (85.6, 54.0)
CARD_SIZE = (round(CARD_MM[0] * MM), round(CARD_MM[1] * MM))  # 1011 × 638 px
A4_MM = (210.0, 297.0)
CARD_TOP_MM = 25.0  # where the card sits on the A4 page, centred across it
NAVY, INK, GREY = (29, 53, 87), (0, 0, 0), (51, 51, 51)

# Texts keep this far from the card's edge (its corners are rounded with a 3 mm radius).
EDGE_MM = 3.5
LEADING = 1.2  # line height / font size
GAP_MM = 2.0


@dataclasses.dataclass(frozen=True, slots=True)
class Card:
    lab_name: str
    first_name: str
    url: str  # what the QR carries
    short_code: str
    footer: str  # one sentence in the visitor's language
    language: str = "fr"


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    """Lines of text placed on the card, in millimetres from its top-left corner."""

    lines: list[str]
    size: float  # points
    bold: bool
    colour: tuple[int, int, int]
    left: float = 0.0
    top: float = 0.0

    @property
    def line_height(self) -> float:
        return self.size * PT * LEADING

    @property
    def height(self) -> float:
        return self.line_height * len(self.lines)


@dataclasses.dataclass(frozen=True, slots=True)
class Layout:
    blocks: list[Block]
    qr: tuple[float, float, float]  # x, y, side (quiet zone included)


Measure = Callable[[str, float, bool], float]  # (text, size in points, bold) -> width in mm


def _pieces(text: str, hyphens: bool = True) -> list[tuple[str, str]]:
    """(piece, what joins it to the previous one): words, and with ``hyphens`` the parts of a
    hyphenated word ("Marie-" "Christine"), which may end a line after their hyphen."""
    pieces = []
    # Ordinary spaces only: a no-break space (French "Bienvenue !") keeps its words together.
    for word in filter(None, re.split(r"[ \t\n]+", text)):
        parts = re.split(r"(?<=-)(?=.)", word) if hyphens else [word]
        pieces += [(part, " " if index == 0 else "") for index, part in enumerate(parts)]
    return pieces


def wrap(
    text: str, size: float, bold: bool, width: float, measure: Measure, hyphens: bool = True
) -> list[str]:
    """Words on as few lines as fit ``width``; a word longer than a line is cut."""
    lines: list[str] = []
    for piece, joiner in _pieces(text, hyphens):
        if lines and measure(f"{lines[-1]}{joiner}{piece}", size, bold) <= width:
            lines[-1] = f"{lines[-1]}{joiner}{piece}"
            continue
        while measure(piece, size, bold) > width and len(piece) > 1:
            cut = len(piece) - 1
            while cut > 1 and measure(piece[:cut], size, bold) > width:
                cut -= 1
            lines.append(piece[:cut])
            piece = piece[cut:]
        lines.append(piece)
    return lines or [""]


def fit(
    text: str,
    sizes: tuple[float, float],
    most: tuple[int, ...],
    bold: bool,
    width: float,
    measure: Measure,
) -> tuple[list[str], float]:
    """The largest size (in half points, from ``sizes[0]`` down to ``sizes[1]``) at which
    ``text`` takes at most ``most[0]`` lines with no word cut, breaking after a hyphen only if
    spaces are not enough; then the same with ``most[1]`` lines, and so on. At the smallest
    size words are cut rather than run past the edge, and what is beyond the last line count
    ends with an ellipsis: nothing runs past the card's edge."""
    largest, smallest = sizes
    for lines_at_most in most:
        size = largest
        while size >= smallest:
            for hyphens in (False, True):
                lines = wrap(text, size, bold, width, measure, hyphens)
                whole = all(
                    measure(piece, size, bold) <= width for piece, _ in _pieces(text, hyphens)
                )
                if len(lines) <= lines_at_most and whole:
                    return lines, size
            size -= 0.5
    lines = wrap(text, smallest, bold, width, measure)
    if len(lines) > most[-1]:
        last = lines[most[-1] - 1]
        while last and measure(last + "…", smallest, bold) > width:
            last = last[:-1]
        lines = [*lines[: most[-1] - 1], last + "…"]
    return lines, smallest


def layout(card: Card, measure: Measure) -> Layout:
    """The lab's name across the top (a long one wraps and shrinks); the QR below it on the
    left, as large as the rest of the card allows; beside it the first name and the code,
    centred, and the footer at the bottom. If the column is too tall, its texts get smaller."""
    width, height = CARD_MM
    head_lines, head_size = fit(
        card.lab_name, (9.0, 5.0), (2, 3), True, width - 2 * EDGE_MM, measure
    )
    head = Block(head_lines, head_size, True, NAVY, EDGE_MM, EDGE_MM)
    qr_y = head.top + head.height + 0.5
    qr = (2.0, qr_y, height - 2.0 - qr_y)
    left, right = qr[0] + qr[2] + 0.5, width - EDGE_MM
    top, bottom = qr_y + 1.5, height - EDGE_MM
    specs = (
        (card.first_name, (17.0, 6.0), (2,), True, INK),
        (card.short_code, (15.0, 7.0), (1,), True, INK),
        (card.footer, (6.5, 4.5), (4,), False, GREY),
    )
    for scale in (1.0, 0.9, 0.8, 0.7, 0.6):
        name, code, foot = (
            Block(*fit(text, (big * scale, small), most, bold, right - left, measure), bold, ink)
            for text, (big, small), most, bold, ink in specs
        )
        if name.height + code.height + foot.height + 2 * GAP_MM <= bottom - top:
            break
    name_top = max(top, top + (bottom - foot.height - GAP_MM - top - name.height - code.height) / 2)
    column = [
        dataclasses.replace(name, left=left, top=name_top),
        dataclasses.replace(code, left=left, top=name_top + name.height + GAP_MM),
        dataclasses.replace(foot, left=left, top=bottom - foot.height),
    ]
    return Layout([head, *column], qr)


def _qr_runs(
    data: str, x: float, y: float, side: float
) -> Iterator[tuple[float, float, float, float]]:
    """The QR's dark modules as rectangles (x, y, width, height in mm): one per run of dark
    modules in a row."""
    matrix = qr_matrix(data)
    module = side / len(matrix)
    for row, cells in enumerate(matrix):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            yield x + start * module, y + row * module, (column - start) * module, module


def _baseline(block: Block, index: int) -> float:
    """Where line ``index`` of ``block`` sits: its ascent below the top of its line box."""
    return block.top + index * block.line_height + block.size * PT * 0.95


# -- PNG (Pillow) ---------------------------------------------------------------------------


def _pixels(points: float) -> int:
    return max(1, round(points * PT * MM))


def _measure_png(text: str, size: float, bold: bool) -> float:
    return pil_font(_pixels(size), bold).getlength(text) / MM


def card_image(card: Card) -> Image.Image:
    image = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (2, 2, CARD_SIZE[0] - 3, CARD_SIZE[1] - 3), round(3 * MM), outline=NAVY, width=4
    )
    placed = layout(card, _measure_png)
    for x, y, w, h in _qr_runs(card.url, *placed.qr):
        # Whole pixels, edges rounded the same way for every module: no gaps, no overlaps.
        box = (round(x * MM), round(y * MM), round((x + w) * MM) - 1, round((y + h) * MM) - 1)
        draw.rectangle(box, fill=INK)
    for block in placed.blocks:
        font = pil_font(_pixels(block.size), block.bold)
        for index, line in enumerate(block.lines):
            at = (round(block.left * MM), round(_baseline(block, index) * MM))
            draw.text(at, line, fill=block.colour, font=font, anchor="ls")
    return image


def card_png(card: Card) -> bytes:
    buffer = io.BytesIO()
    card_image(card).save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


# -- PDF (fpdf2) ----------------------------------------------------------------------------


class _CardPdf(LabPdf):
    def __init__(self) -> None:
        super().__init__()
        self.set_auto_page_break(False)

    def measure(self, text: str, size: float, bold: bool) -> float:
        self.set_font(self.family_name, "B" if bold else "", size)
        return self.get_string_width(self.t(text))


def card_pdf(card: Card) -> bytes:
    """An A4 page with the card at its real size near the top, ready to print and cut out."""
    pdf = _CardPdf()
    pdf.set_title(pdf.t(card.lab_name))
    pdf.set_lang(card.language)
    pdf.set_creator("lab")
    pdf.set_creation_date(clock.now())
    pdf.add_page()
    left = (A4_MM[0] - CARD_MM[0]) / 2
    top = CARD_TOP_MM
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.35)
    pdf.rect(left, top, CARD_MM[0], CARD_MM[1], style="D", round_corners=True, corner_radius=3)
    placed = layout(card, pdf.measure)
    # The QR as filled rectangles in one path: sharp at any print size, and no hairline seams
    # between modules (one fill for all of them, not one per module).
    with pdf.new_path() as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for x, y, w, h in _qr_runs(card.url, *placed.qr):
            path.rectangle(left + x, top + y, w, h)
    for block in placed.blocks:
        pdf.set_font(pdf.family_name, "B" if block.bold else "", block.size)
        pdf.set_text_color(*block.colour)
        for index, line in enumerate(block.lines):
            pdf.text(left + block.left, top + _baseline(block, index), pdf.t(line))
    return bytes(pdf.output())

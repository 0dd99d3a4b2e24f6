"""PDF documents of the attendance domain: a session's sign-in sheet (feuille d'émargement) and
a visitor's attendance certificate for a module.

Built with fpdf2 so their text stays text: a funder's reader can search and copy it, and tests
read it back. Names come in every alphabet, so the text uses the vendored DejaVu Sans; without
it (a trimmed install), fpdf2's core font with a Latin-1 transliteration still gives a sheet.
The documents speak the current language: the caller sets it (the staff member's for a sheet,
the visitor's for a certificate).
"""

from __future__ import annotations

import datetime as dt
import io

from fpdf.enums import XPos, YPos
from PIL import Image

from lab.attendance.completion import Certificate
from lab.attendance.services import STATUS_LABELS
from lab.attendance.signatures import Sheet, SheetRow
from lab.core import clock, i18n
from lab.core.fonts import LabPdf
from lab.core.i18n import _
from lab.workshops.services import KINDS

MARGIN = 15  # mm
WIDTH = 210 - 2 * MARGIN  # A4 portrait
# Name, first name, status, arrival, signature: 180 mm.
COLUMNS = (38, 34, 30, 18, 60)
ROW_HEIGHT = 18


class _Document(LabPdf):
    def __init__(self, title: str, footer: str) -> None:
        super().__init__()
        self.footer_text = footer
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)
        self.set_title(self.t(title))
        self.set_lang(i18n.current_language())
        self.set_creator("lab")
        self.set_creation_date(clock.now())

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def line_of(self, text: str, size: float = 10, bold: bool = False, height: float = 6) -> None:
        self.use(size, bold)
        self.multi_cell(WIDTH, height, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def fit(self, text: str, width: float, size: float, bold: bool = False) -> str:
        """Shrink the font (down to 7 pt), then shorten the text, until it fits ``width``."""
        text = self.t(text)
        while size > 7:
            self.use(size, bold)
            if self.get_string_width(text) <= width - 2:
                return text
            size -= 0.5
        self.use(7, bold)
        while text and self.get_string_width(text + "…") > width - 2:
            text = text[:-1]
        return text + ("…" if self.unicode_text else "...")

    def footer(self) -> None:
        self.set_y(-13)
        self.use(8)
        self.cell(WIDTH * 0.75, 5, self.t(self.footer_text))
        self.cell(
            WIDTH * 0.25,
            5,
            self.t(_("Page %(page)s/%(pages)s", page=self.page_no(), pages="{nb}")),
            align="R",
        )

    def picture(self, png: bytes, x: float, y: float, box_w: float, box_h: float, alt: str) -> None:
        """A signature scaled into a box, keeping its proportions."""
        with Image.open(io.BytesIO(png)) as image:
            ratio = image.width / image.height
        width, height = (box_w, box_w / ratio) if box_w / ratio <= box_h else (box_h * ratio, box_h)
        self.image(
            io.BytesIO(png),
            x=x + (box_w - width) / 2,
            y=y + (box_h - height) / 2,
            w=width,
            h=height,
            alt_text=self.t(alt),
        )


def _time(moment: dt.datetime | None, timezone: str) -> str:
    return i18n.format_datetime(moment, timezone, "HH:mm") if moment else "—"


def _day(moment: dt.datetime, timezone: str) -> str:
    return i18n.format_datetime(moment, timezone, "EEEE d MMMM y")


def _generated(timezone: str) -> str:
    return _(
        "Document généré le %(when)s",
        when=i18n.format_datetime(clock.now(), timezone, "d MMMM y, HH:mm"),
    )


# -- The sign-in sheet ----------------------------------------------------------------------


def _status(row: SheetRow) -> list[str]:
    label = _(STATUS_LABELS[row.status]) if row.status else _("Non pointé·e")
    return [label, _("(sans inscription)")] if row.walk_in else [label]


def _facts(pdf: _Document, facts: list[tuple[str, str]]) -> None:
    for label, value in facts:
        pdf.use(10, bold=True)
        pdf.cell(40, 6, pdf.t(label))
        pdf.use(10)
        pdf.multi_cell(WIDTH - 40, 6, pdf.t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table_head(pdf: _Document) -> None:
    heads = (_("Nom"), _("Prénom"), _("Statut"), _("Arrivée"), _("Signature"))
    pdf.set_fill_color(230, 230, 230)
    for width, text in zip(COLUMNS, heads, strict=True):
        pdf.cell(width, 8, pdf.fit(text, width, 9, bold=True), border=1, fill=True)
    pdf.ln(8)


def _lines(pdf: _Document, width: float, parts: list[str], small: bool) -> tuple[list[str], float]:
    """How ``parts`` fill a cell: one line at 10 pt, or up to three wrapped lines at 8 pt."""
    if len(parts) == 1 and not small:
        pdf.use(10)
        if pdf.get_string_width(pdf.t(parts[0])) <= width - 2:
            return [pdf.t(parts[0])], 10
    pdf.use(8)
    lines: list[str] = []
    for part in parts:
        lines += pdf.multi_cell(width - 2, 4, pdf.t(part), dry_run=True, output="LINES")
    return lines[:3], 8


def _cell(
    pdf: _Document, width: float, parts: list[str], align: str = "L", small: bool = False
) -> None:
    """A bordered table cell, its text centred in the row's height (a long name wraps)."""
    x, y = pdf.get_x(), pdf.get_y()
    pdf.cell(width, ROW_HEIGHT, "", border=1)
    lines, size = _lines(pdf, width, parts, small)
    height = 6 if size == 10 else 4.5
    top = y + (ROW_HEIGHT - height * len(lines)) / 2
    for index, line in enumerate(lines):
        pdf.set_xy(x, top + index * height)
        pdf.cell(width, height, pdf.fit(line, width, size), align=align)
    pdf.set_xy(x + width, y)


def _table_row(pdf: _Document, row: SheetRow, timezone: str) -> None:
    if pdf.will_page_break(ROW_HEIGHT):
        pdf.add_page()
        _table_head(pdf)
    cells = ([row.last_name], [row.first_name], _status(row), [_time(row.checked_in_at, timezone)])
    for width, lines in zip(COLUMNS[:-1], cells, strict=True):
        _cell(pdf, width, lines)
    x, y = pdf.get_x(), pdf.get_y()
    if row.signature:
        pdf.cell(COLUMNS[-1], ROW_HEIGHT, "", border=1)
        alt = _("Signature de %(name)s", name=f"{row.first_name} {row.last_name}")
        pdf.picture(row.signature, x + 1, y + 1, COLUMNS[-1] - 2, ROW_HEIGHT - 2, alt)
    elif row.signed:
        text = _("Présence confirmée, sans signature manuscrite")
        _cell(pdf, COLUMNS[-1], [text], "C", small=True)
    else:
        _cell(pdf, COLUMNS[-1], ["—"], "C")
    pdf.set_xy(MARGIN, y + ROW_HEIGHT)


def _countersignature(pdf: _Document, sheet: Sheet) -> None:
    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.ln(4)
    pdf.line_of(_("Contre-signature de l'animateur·rice"), 12, bold=True, height=7)
    counter = sheet.countersignature
    if counter is None:
        pdf.line_of(_("Pas encore contre-signée."))
        return
    pdf.line_of(
        _(
            "%(name)s, le %(day)s à %(time)s",
            name=counter.name,
            day=i18n.format_datetime(counter.signed_at, sheet.timezone, "d MMMM y"),
            time=_time(counter.signed_at, sheet.timezone),
        )
    )
    if counter.image:
        y = pdf.get_y() + 1
        alt = _("Contre-signature de %(name)s", name=counter.name)
        pdf.picture(counter.image, MARGIN, y, 70, 25, alt)
        pdf.set_y(y + 27)
    else:
        pdf.line_of(_("Confirmée sans signature manuscrite."), 9)


def sheet_pdf(sheet: Sheet, lab_name: str) -> bytes:
    """The sign-in sheet of one session, as funders expect it."""
    tz = sheet.timezone
    session, module = sheet.session, sheet.module
    title = _("Feuille d'émargement")
    # The lab's name once per page, in the footer; the header names the site where the session
    # took place (site names often carry the lab's name already: "Lab Saint-Denis").
    pdf = _Document(f"{title} – {module.title}", lab_name)
    pdf.add_page()
    pdf.line_of(sheet.site.name, 10, bold=True)
    address = [line.strip() for line in sheet.site.address.splitlines() if line.strip()]
    if address:
        pdf.line_of(" · ".join(address), 9)
    pdf.ln(2)
    pdf.line_of(title, 18, bold=True, height=10)
    pdf.line_of(module.title, 14, bold=True, height=8)
    pdf.ln(2)
    facts = [
        (_("Type"), _(KINDS.get(module.kind, KINDS["other"]))),
        (_("Date"), _day(session.starts_at, tz)),
        (_("Horaires"), f"{_time(session.starts_at, tz)} – {_time(session.ends_at, tz)}"),
        (_("Animation"), ", ".join(sheet.facilitators) or "—"),
    ]
    if sheet.partner:
        facts.append((_("Partenaire"), sheet.partner))
    facts.append((_("Salle"), sheet.room or "—"))
    if session.status == "cancelled":
        facts.append((_("Séance"), _("Annulée")))
    _facts(pdf, facts)
    pdf.ln(4)
    _table_head(pdf)
    for row in sheet.rows:
        _table_row(pdf, row, tz)
    if not sheet.rows:
        pdf.line_of(_("Personne n'est inscrit ni venu à cette séance."))
    _countersignature(pdf, sheet)
    pdf.ln(4)
    pdf.line_of(_generated(tz), 8)
    return bytes(pdf.output())


# -- The attendance certificate ---------------------------------------------------------------


def place_of(address: str, fallback: str) -> str:
    """The town of an address ("12 rue X, 93200 Saint-Denis" → "Saint-Denis")."""
    last = address.strip().splitlines()[-1] if address.strip() else ""
    last = last.rsplit(",", 1)[-1].strip()
    town = " ".join(word for word in last.split() if not word.isdigit())
    return town or fallback


def certificate_pdf(certificate: Certificate, lab_name: str) -> bytes:
    """An attestation de présence, in the current language (the caller sets the visitor's)."""
    site, module, visitor = certificate.site, certificate.module, certificate.visitor
    done, tz = certificate.progress, site.timezone
    title = _("Attestation de présence")
    name = f"{visitor.first_name} {visitor.last_name}"
    pdf = _Document(f"{title} – {name}", f"{lab_name} – {site.name}")
    pdf.add_page()
    pdf.line_of(lab_name, 12, bold=True)
    pdf.line_of(site.name)
    if site.address:
        pdf.line_of(site.address)
    pdf.ln(14)
    pdf.use(22, bold=True)
    pdf.cell(WIDTH, 12, pdf.t(title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    first = i18n.format_datetime(done.first_at, tz, "d MMMM y") if done.first_at else ""
    last = i18n.format_datetime(done.last_at, tz, "d MMMM y") if done.last_at else ""
    facts = {
        "lab": lab_name,
        "name": name,
        "title": module.title,
        "kind": _(KINDS.get(module.kind, KINDS["other"])),
    }
    if first == last:
        attests = _(
            "%(lab)s atteste que %(name)s a suivi le module « %(title)s » (%(kind)s), le %(day)s.",
            day=first,
            **facts,
        )
    else:
        attests = _(
            "%(lab)s atteste que %(name)s a suivi le module « %(title)s » (%(kind)s), "
            "du %(first)s au %(last)s.",
            first=first,
            last=last,
            **facts,
        )
    pdf.line_of(attests, 12, height=7)
    pdf.ln(4)
    pdf.line_of(
        _(
            "Séances suivies : %(attended)s sur %(total)s, soit %(hours)s heures.",
            attended=done.attended,
            total=done.total,
            hours=i18n.format_number(done.hours),
        ),
        12,
        height=7,
    )
    pdf.ln(14)
    pdf.line_of(
        _(
            "Fait à %(place)s, le %(day)s.",
            place=place_of(site.address, site.name),
            day=i18n.format_datetime(certificate.issued_at, tz, "d MMMM y"),
        ),
        12,
        height=7,
    )
    pdf.ln(6)
    pdf.line_of(_("L'animateur·rice du module"), 11, bold=True)
    pdf.line_of(", ".join(certificate.facilitators) or lab_name, 11)
    pdf.ln(30)
    pdf.line_of(_generated(tz), 8)
    return bytes(pdf.output())

"""Badge images with their credential inside ("baked"), per Open Badges 3.0 §5.3.

PNG: an ``iTXt`` chunk with the keyword ``openbadgecredential`` holding the compact JWS,
uncompressed. SVG: an ``<openbadges:credential>`` element (namespace
``https://purl.imsglobal.org/ob/v3p0``) holding the JWS as character data.

Unbaking reads files anyone can upload, so it never decodes pixels: it walks the PNG's chunks
itself and parses SVG with expat with every DTD refused (no entity of any kind, internal or
external). Sizes are capped before anything is read. Every failure is a ``BakingError`` with
a stable code, never another exception.
"""

from __future__ import annotations

import dataclasses
import io
import struct
import zlib
from xml.parsers import expat
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from lab.core.errors import LabError
from lab.core.fonts import pil_font
from lab.core.i18n import _

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAX_FILE = 5 * 1024 * 1024  # bytes: a badge image is a few tens of KiB
MAX_CREDENTIAL = 256 * 1024  # bytes of JWS: a credential is a few KiB
MAX_CHUNKS = 10_000
SIZE = 512  # pixels: the generated badge's side

# Accessible colours: white on this blue is 10.4:1, the ribbon's dark text on gold 9.6:1.
BLUE = (29, 58, 138)
GOLD = (250, 204, 21)
INK = (17, 24, 39)
WHITE = (255, 255, 255)


class BakingError(LabError):
    """A file lab cannot read a credential from. Codes: too_large, not_png, truncated,
    bad_chunk, not_svg, forbidden_xml, no_credential, bad_credential."""

    status_code = 422
    default_code = "bad_badge_file"


@dataclasses.dataclass(frozen=True, slots=True)
class Picture:
    """What the generated badge image says."""

    title: str  # the skill's name
    issuer: str  # the lab's name, on the ribbon


# --- PNG ----------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _chunks(data: bytes) -> list[tuple[bytes, bytes, bool]]:
    """(type, data, crc_ok) for each chunk up to IEND; BakingError if the structure is broken."""
    if len(data) > MAX_FILE:
        raise BakingError(_("Ce fichier est trop gros pour être un badge."), code="too_large")
    if not data.startswith(PNG_SIGNATURE):
        raise BakingError(_("Ce fichier n'est pas une image PNG."), code="not_png")
    chunks = []
    position = len(PNG_SIGNATURE)
    while True:
        if len(chunks) >= MAX_CHUNKS:
            raise BakingError(_("Cette image PNG est mal formée."), code="bad_chunk")
        if position + 12 > len(data):
            raise BakingError(_("Cette image PNG est tronquée."), code="truncated")
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if length > MAX_FILE or not kind.isalpha():
            raise BakingError(_("Cette image PNG est mal formée."), code="bad_chunk")
        end = position + 8 + length
        if end + 4 > len(data):
            raise BakingError(_("Cette image PNG est tronquée."), code="truncated")
        body = data[position + 8 : end]
        (crc,) = struct.unpack(">I", data[end : end + 4])
        chunks.append((kind, body, zlib.crc32(kind + body) & 0xFFFFFFFF == crc))
        position = end + 4
        if not chunks or chunks[0][0] != b"IHDR":
            raise BakingError(_("Cette image PNG est mal formée."), code="bad_chunk")
        if kind == b"IEND":
            return chunks


def _itxt(text: str, keyword: bytes = KEYWORD) -> bytes:
    # keyword, NUL, compression flag 0, method 0, empty language tag, NUL,
    # empty translated keyword, NUL, then the text
    return _chunk(b"iTXt", keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8"))


def _read_itxt(body: bytes) -> tuple[bytes, str] | None:
    """(keyword, text) of an iTXt chunk, or None when it is not one lab can read."""
    keyword, separator, rest = body.partition(b"\x00")
    if not separator or len(rest) < 2:
        return None
    flag, method, rest = rest[0], rest[1], rest[2:]
    _language, separator, rest = rest.partition(b"\x00")
    if not separator:
        return None
    _translated, separator, text = rest.partition(b"\x00")
    if not separator:
        return None
    if flag == 1:
        if method != 0:
            return None
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_CREDENTIAL + 1)
        except zlib.error:
            return None
        if len(text) > MAX_CREDENTIAL or not inflater.eof:
            return None
    elif flag != 0:
        return None
    try:
        return keyword, text.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _font(size: int, *, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu Sans, as lab's printed documents: it has every accent of a French skill's name.
    return pil_font(size, bold=bold)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def picture_png(picture: Picture) -> bytes:
    """A clean badge: a blue disc with the skill's name in large white letters, and a gold
    ribbon with the lab's name. The name is also the image's Title (alt text for readers)."""
    image = Image.new("RGB", (SIZE, SIZE), WHITE)
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, SIZE - 16, SIZE - 16), fill=BLUE)
    size = 40
    font = _font(size)
    lines = _wrap(draw, picture.title, font, 360)
    while (
        len(lines) > 4 or any(draw.textlength(line, font=font) > 380 for line in lines)
    ) and size > 18:
        size -= 4
        font = _font(size)
        lines = _wrap(draw, picture.title, font, 360)
    line_height = int(size * 1.25)
    top = 210 - line_height * len(lines) // 2
    for number, line in enumerate(lines[:5]):
        draw.text((SIZE // 2, top + number * line_height), line, font=font, fill=WHITE, anchor="mt")
    # The ribbon: a band across the lower part, its ends notched.
    draw.polygon(
        [(20, 350), (SIZE - 20, 350), (SIZE - 44, 390), (SIZE - 20, 430), (20, 430), (44, 390)],
        fill=GOLD,
    )
    ribbon_size = 24
    ribbon = _font(ribbon_size, bold=False)
    while draw.textlength(picture.issuer, font=ribbon) > 380 and ribbon_size > 16:
        ribbon_size -= 2
        ribbon = _font(ribbon_size, bold=False)
    name = picture.issuer
    while draw.textlength(name, font=ribbon) > 380 and len(name) > 4:
        name = name[:-2].rstrip() + "…"
    draw.text((SIZE // 2, 390), name, font=ribbon, fill=INK, anchor="mm")
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    png = output.getvalue()
    # Title right after IHDR (13 bytes of data, 25 with length, type and CRC).
    head = len(PNG_SIGNATURE) + 25
    return png[:head] + _itxt(picture.title, b"Title") + png[head:]


def bake_png(jws: str, image: Picture | bytes) -> bytes:
    """``image`` (a Picture to draw, or PNG bytes) with ``jws`` in an openbadgecredential iTXt
    chunk, replacing any credential already baked in. Errors: those of unbake_png's parsing."""
    png = picture_png(image) if isinstance(image, Picture) else bytes(image)
    kept = []
    for kind, body, _crc_ok in _chunks(png):
        if kind == b"iTXt" and body.split(b"\x00", 1)[0] == KEYWORD:
            continue
        kept.append((kind, body))
    out = [PNG_SIGNATURE]
    for kind, body in kept:
        if kind == b"IEND":
            out.append(_itxt(jws))
        out.append(_chunk(kind, body))
    return b"".join(out)


def unbake_png(data: bytes) -> str:
    """The credential baked in a PNG. Errors: too_large, not_png, truncated, bad_chunk,
    no_credential. A chunk's CRC is not checked: the credential's signature is what says whether
    it was changed, and a verifier should say "altered" of an edited badge, not "damaged"."""
    for kind, body, _crc_ok in _chunks(data):
        if kind == b"iTXt" and body.split(b"\x00", 1)[0] == KEYWORD:
            if len(body) > MAX_CREDENTIAL + 64:
                raise BakingError(
                    _("Le badge contenu dans cette image est trop long."), code="bad_credential"
                )
            read = _read_itxt(body)
            if read is None:
                raise BakingError(
                    _("Le badge contenu dans cette image est illisible."), code="bad_credential"
                )
            return read[1].strip()
    raise BakingError(_("Cette image ne contient pas de badge."), code="no_credential")


# --- SVG ----------------------------------------------------------------------------------------


def _wrap_count(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def bake_svg(jws: str, picture: Picture) -> bytes:
    """A badge drawn in SVG (the same design as the PNG), the credential in
    ``<openbadges:credential>`` as character data."""
    title = escape(picture.title)
    issuer = escape(picture.issuer)
    # Plain <text>, wrapped here: every SVG renderer draws it, screen readers read the title.
    font_size, words = 40, _wrap_count(picture.title, 16)
    if len(words) > 3:
        font_size, words = 28, _wrap_count(picture.title, 24)
    step = int(font_size * 1.2)
    top = 225 - step * (len(words) - 1) // 2
    lines = "".join(
        f'  <text x="256" y="{top + step * n}" text-anchor="middle" font-family="sans-serif" '
        f'font-size="{font_size}" font-weight="bold" fill="#ffffff">{escape(line)}</text>\n'
        for n, line in enumerate(words)
    )
    # The JWS is base64url and dots: it cannot close a CDATA section.
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="{SVG_NAMESPACE}" xmlns:openbadges="{OB_NAMESPACE}" viewBox="0 0 {SIZE} {SIZE}"
     width="{SIZE}" height="{SIZE}" role="img" aria-labelledby="badge-title">
  <openbadges:credential><![CDATA[{jws}]]></openbadges:credential>
  <title id="badge-title">{title} — {issuer}</title>
  <rect width="{SIZE}" height="{SIZE}" fill="#ffffff"/>
  <circle cx="256" cy="256" r="240" fill="#1d3a8a"/>
{lines}  <polygon points="20,350 492,350 468,390 492,430 20,430 44,390" fill="#facc15"/>
  <text x="256" y="398" text-anchor="middle" font-family="sans-serif" font-size="24"
        fill="#111827">{issuer}</text>
</svg>
"""
    if "]]>" in jws:
        raise ValueError("a compact JWS never contains ']]>'")
    return svg.encode("utf-8")


def _refuse(*_args: object) -> None:
    raise BakingError(
        _("Ce fichier SVG contient des déclarations interdites."), code="forbidden_xml"
    )


def unbake_svg(data: bytes) -> str:
    """The credential in an SVG badge. Errors: too_large, not_svg, forbidden_xml (any DTD:
    entities are never expanded, external ones never fetched), no_credential, bad_credential."""
    if len(data) > MAX_FILE:
        raise BakingError(_("Ce fichier est trop gros pour être un badge."), code="too_large")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    state = {"root": None, "depth": 0, "inside": False, "text": [], "size": 0, "found": None}
    credential_tag = f"{OB_NAMESPACE} credential"

    def start(name: str, _attributes: dict) -> None:
        if state["root"] is None:
            state["root"] = name
        if name == credential_tag and state["found"] is None and not state["inside"]:
            state["inside"] = True

    def end(name: str) -> None:
        if name == credential_tag and state["inside"]:
            state["inside"] = False
            state["found"] = "".join(state["text"]).strip()

    def text(chunk: str) -> None:
        if state["inside"]:
            state["size"] += len(chunk)
            if state["size"] > MAX_CREDENTIAL:
                raise BakingError(
                    _("Le badge contenu dans ce fichier est trop long."), code="bad_credential"
                )
            state["text"].append(chunk)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise BakingError(_("Ce fichier SVG est mal formé."), code="not_svg") from error
    except RecursionError as error:
        raise BakingError(_("Ce fichier SVG est mal formé."), code="not_svg") from error
    if state["root"] != f"{SVG_NAMESPACE} svg":
        raise BakingError(_("Ce fichier n'est pas une image SVG."), code="not_svg")
    if not state["found"]:
        raise BakingError(_("Cette image ne contient pas de badge."), code="no_credential")
    return state["found"]


def unbake(data: bytes) -> str:
    """The credential in a PNG or SVG badge, told apart by their first bytes."""
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return unbake_svg(data)
    raise BakingError(_("Ce fichier n'est ni une image PNG ni une image SVG."), code="not_png")

"""QR codes as SVG (for screens), as Pillow images (asset tags) and as a matrix of modules
(pass cards draw it as vector shapes).

A QR of a given payload never changes, and drawing one costs milliseconds: the SVG and PNG
forms are kept in a small in-process LRU, keyed by payload (and size), so a page shown again or
an image asked again is not redrawn. The payload may hold a token (a pass's, a session's
rotating code): it stays in this process's memory and is never logged nor written anywhere.
"""

from __future__ import annotations

import functools
import io

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from lab.core.conditional import etag_of

# Bump when the drawing changes (level, border, markup), so that clients' copies stop matching.
RENDER_VERSION = "qr-1"
# Enough for every pass, projector and pairing code shown at once at a busy lab; each entry
# is a few kilobytes.
CACHE_SIZE = 512
SVG_MEDIA_TYPE = "image/svg+xml"


def _code(data: str) -> qrcode.QRCode:
    # Level M survives a scratched or folded card; border 4 is the quiet zone readers need.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    return code


@functools.lru_cache(maxsize=CACHE_SIZE)
def _svg(data: str) -> str:
    """The SVG document, sized by CSS (``class="qr"``), without a title."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg role="img" class="qr" ', 1)


def qr_svg(data: str, title: str) -> Markup:
    """An inline SVG, scalable to any screen, with an accessible title.

    Marked safe on purpose: the markup is the QR library's output, and the only outside text
    in it, the title, is escaped here.
    """
    head, rest = _svg(data).split(">", 1)
    return Markup(f"{head}><title>{escape(title)}</title>{rest}")  # noqa: S704


def qr_svg_file(data: str) -> bytes:
    """The SVG as an image of its own (an ``<img>`` gives the text alternative)."""
    return _svg(data).encode()


def qr_etag(data: str, form: str, size: int = 0) -> str:
    """The strong ETag of the QR image of ``data`` in ``form`` ("svg", "png"): known without
    drawing it, so a client's copy is confirmed without drawing anything."""
    return etag_of(RENDER_VERSION, form, str(size), data)


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR's modules, True for dark, quiet zone included: for drawing it as shapes."""
    return _code(data).get_matrix()


def qr_image(data: str, box_size: int = 10) -> Image.Image:
    code = _code(data)
    code.box_size = box_size
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


@functools.lru_cache(maxsize=CACHE_SIZE)
def qr_png(data: str, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    qr_image(data, box_size).save(buffer, format="PNG")
    return buffer.getvalue()

"""QR codes as SVG (for screens), as Pillow images (asset tags) and as a matrix of modules
(pass cards draw it as vector shapes)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M


def _code(data: str) -> qrcode.QRCode:
    # Level M survives a scratched or folded card; border 4 is the quiet zone readers need.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str, title: str) -> Markup:
    """An inline SVG, scalable to any screen, with an accessible title.

    Marked safe on purpose: the markup is the QR library's output, and the only outside text
    in it, the title, is escaped here.
    """
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    # Size it with CSS and give it a text alternative.
    svg = svg.replace("<svg ", '<svg role="img" class="qr" ', 1)
    head, rest = svg.split(">", 1)
    return Markup(f"{head}><title>{escape(title)}</title>{rest}")  # noqa: S704


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR's modules, True for dark, quiet zone included: for drawing it as shapes."""
    return _code(data).get_matrix()


def qr_image(data: str, box_size: int = 10) -> Image.Image:
    code = _code(data)
    code.box_size = box_size
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def qr_png(data: str, box_size: int = 10) -> bytes:
    buffer = io.BytesIO()
    qr_image(data, box_size).save(buffer, format="PNG")
    return buffer.getvalue()

"""The lab's icon: /favicon.ico answers it, the kiosk's manifest names it, and the committed
files are what lab/core/icons.py draws."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageChops, ImageStat

from lab.core import icons
from lab.settings import PROJECT_ROOT

IMAGES = PROJECT_ROOT / "static" / "img"


def _drawing():
    return icons


async def test_the_favicon_answers_the_icon_for_any_cache_to_keep(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    assert response.headers["cache-control"] == "public, max-age=604800"
    # The same answer for everyone: no cookie may ride on it.
    assert "set-cookie" not in response.headers
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]


async def test_the_kiosk_manifest_opens_the_kiosk_full_screen_with_the_lab_icon(client):
    response = await client.get("/static/kiosk.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["name"] == "lab" and manifest["display"] == "fullscreen"
    assert manifest["start_url"] == manifest["scope"] == "/kiosk"
    for icon in manifest["icons"]:
        image = await client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        assert image.headers["content-type"].startswith(icon["type"]), icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(io.BytesIO(image.content)).size
            assert icon["sizes"] == f"{width}x{height}"


async def test_every_page_kind_links_the_icon_and_the_kiosk_its_manifest(client, cast):
    from tests.kiosk.helpers import pair_client

    for path in ("/login", "/me/start"):
        page = await client.get(path)
        assert '<link rel="icon" href="/static/img/icon.svg"' in page.text, path
        assert 'rel="manifest"' not in page.text, path  # the manifest opens the kiosk
    await pair_client(client, cast)
    kiosk = await client.get("/kiosk")
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in kiosk.text
    assert '<link rel="manifest" href="/static/kiosk.webmanifest">' in kiosk.text


def test_the_committed_icons_are_what_the_drawing_script_draws():
    drawing = _drawing()
    assert (IMAGES / "icon.svg").read_text() == drawing.svg()
    for name, drawn in (
        ("icon-32.png", drawing.png(32)),
        ("icon-192.png", drawing.png(192)),
        ("icon-512.png", drawing.png(512)),
        ("apple-touch-icon.png", drawing.png(180, rounded=False)),
    ):
        committed = Image.open(IMAGES / name).convert("RGBA")
        assert committed.size == drawn.size, name
        # Pillow versions may round an edge pixel differently: the same picture, near enough.
        difference = ImageStat.Stat(ImageChops.difference(committed, drawn)).mean
        assert max(difference) < 2, name

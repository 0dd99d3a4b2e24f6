"""The kiosk's screens on real tablet sizes, in Chromium: the home screen fits a landscape and a
portrait tablet without scrolling, and the first-visit form's controls are big, clear and
aligned. Each test keeps its screenshots in its own tmp_path, to be looked at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.kiosk import assert_accessible, pair, pairing_code

# The tile boxes, the page's height and the window's, measured in the page itself.
HOME_BOXES = """() => ({
  tiles: [...document.querySelectorAll('.tiles .tile')].map(tile => {
    const box = tile.getBoundingClientRect();
    return {name: tile.className, x: box.x, y: box.y, width: box.width, height: box.height,
            spills: tile.scrollHeight > tile.clientHeight || tile.scrollWidth > tile.clientWidth};
  }),
  scrollHeight: document.documentElement.scrollHeight,
  scrollWidth: document.documentElement.scrollWidth,
  innerHeight: window.innerHeight,
  innerWidth: window.innerWidth,
})"""

TABLETS = {"landscape": (1280, 800), "portrait": (800, 1280)}


@pytest.fixture
def tablet_code(page) -> str:
    """A new tablet of Saint-Denis, allowed everything, waiting to be paired."""
    return pairing_code(page, "Tablette écran (test)")


@pytest.mark.parametrize("orientation", sorted(TABLETS))
def test_the_kiosk_home_fits_the_tablet_whole_without_scrolling(
    browser, live_server, tablet_code, orientation, tmp_path: Path
):
    width, height = TABLETS[orientation]
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(10_000)
    try:
        tablet = context.new_page()
        pair(tablet, tablet_code)
        tablet.goto("/kiosk")
        # French, then Dutch: its words are the longest of the three.
        for language in ("fr", "nl"):
            if language != "fr":
                tablet.click(f"button[lang={language}]")
            tablet.wait_for_selector(f"html[lang={language}]")
            tablet.screenshot(path=str(tmp_path / f"home-{orientation}-{language}.png"))
            measured = tablet.evaluate(HOME_BOXES)
            print(orientation, language, json.dumps(measured))
            tiles = measured["tiles"]
            assert len(tiles) == 5  # check in, first visit, workshops, book, my appointments
            for tile in tiles:
                assert tile["x"] >= 0 and tile["y"] >= 0, tile
                assert tile["x"] + tile["width"] <= width, tile
                assert tile["y"] + tile["height"] <= height, tile
                assert tile["width"] >= 48 and tile["height"] >= 48, tile
                # Its words fit inside it: nothing spills out of a tile.
                assert not tile["spills"], tile
            assert measured["scrollHeight"] <= measured["innerHeight"]
            assert measured["scrollWidth"] <= measured["innerWidth"]
            assert_accessible(tablet, f"kiosk home, {orientation}, {language}")
    finally:
        context.close()

"""The kiosk's screens on real tablet sizes, in Chromium: the home screen fits a landscape and a
portrait tablet without scrolling, and the first-visit form's controls are big, clear and
aligned. Each test keeps its screenshots in its own tmp_path, to be looked at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.kiosk import assert_accessible, paired_tablet, pairing_code

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
    viewport = {"width": width, "height": height}
    with paired_tablet(browser, live_server, tablet_code, viewport=viewport) as tablet:
        tablet.goto("/kiosk")
        # French, then Dutch: its words are the longest of the three.
        for language in ("fr", "nl"):
            if language != "fr":
                tablet.click(f"button[lang={language}]")
            tablet.wait_for_selector(f"html[lang={language}]")
            # The new page's first lines are there: measure it once all of it is.
            tablet.wait_for_load_state()
            tablet.screenshot(path=str(tmp_path / f"home-{orientation}-{language}.png"))
            measured = tablet.evaluate(HOME_BOXES)
            print(orientation, language, json.dumps(measured))
            # Check in, first visit, workshops, book, my appointments, my skills, I'm leaving.
            _assert_fits(measured, 7, width, height)
            assert_accessible(tablet, f"kiosk home, {orientation}, {language}")


def _assert_fits(measured: dict, count: int, width: int, height: int) -> None:
    tiles = measured["tiles"]
    assert len(tiles) == count
    for tile in tiles:
        assert tile["x"] >= 0 and tile["y"] >= 0, tile
        assert tile["x"] + tile["width"] <= width, tile
        assert tile["y"] + tile["height"] <= height, tile
        assert tile["width"] >= 48 and tile["height"] >= 48, tile
        # Its words fit inside it: nothing spills out of a tile.
        assert not tile["spills"], tile
    assert measured["scrollHeight"] <= measured["innerHeight"]
    assert measured["scrollWidth"] <= measured["innerWidth"]


# Every visible control of the first-visit form: its box, its border, and for a round button the
# middle of its words (a Range over the label's text).
FORM_CONTROLS = """() => {
  const box = element => {
    const rect = element.getBoundingClientRect();
    return {x: rect.x, y: rect.y, width: rect.width, height: rect.height};
  };
  const controls = [...document.querySelectorAll('#signup-form input, #signup-form select')]
    .filter(control => control.type !== 'hidden');
  return controls.map(control => {
    const style = getComputedStyle(control);
    const found = {
      id: control.id || control.name + '=' + control.value, type: control.type, ...box(control),
      border: [style.borderTopStyle, parseFloat(style.borderTopWidth), style.borderTopColor],
    };
    const label = control.closest('label.choice');
    if (label) {
      const words = document.createRange();
      words.selectNodeContents(label);
      words.setStartAfter(control);
      found.label = box(label);
      found.words = box(words);
    }
    return found;
  });
}"""


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in css_colour[4:-1].split(",")[:3])
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast_on_white(css_colour: str) -> float:
    return 1.05 / (_luminance(css_colour) + 0.05)


@pytest.mark.parametrize("orientation", sorted(TABLETS))
def test_the_first_visit_form_has_clear_round_buttons_and_boxes_of_one_height(
    browser, live_server, tablet_code, orientation, tmp_path: Path
):
    width, height = TABLETS[orientation]
    viewport = {"width": width, "height": height}
    with paired_tablet(browser, live_server, tablet_code, viewport=viewport) as tablet:
        tablet.goto("/kiosk/signup")
        tablet.check("input[name=status][value=student]")
        tablet.locator("fieldset:has(#k-birth_day)").scroll_into_view_if_needed()
        tablet.screenshot(path=str(tmp_path / f"signup-{orientation}.png"), full_page=True)
        controls = tablet.evaluate(FORM_CONTROLS)
        print(orientation, json.dumps(controls))

        radios = [control for control in controls if control["type"] == "radio"]
        assert len(radios) == 6  # one per situation
        for radio in radios:
            assert radio["width"] >= 24 and radio["height"] >= 24, radio
            assert radio["label"]["height"] >= 48 and radio["label"]["width"] >= 48, radio
            style, border_width, colour = radio["border"]
            assert style == "solid" and border_width >= 2, radio
            assert _contrast_on_white(colour) >= 3, radio  # WCAG 1.4.11, non-text contrast
            # The button sits on the line of its words, not above or below them.
            button_middle = radio["y"] + radio["height"] / 2
            words_middle = radio["words"]["y"] + radio["words"]["height"] / 2
            assert abs(button_middle - words_middle) <= 2, radio

        boxes = [control for control in controls if control["type"] != "radio"]
        heights = {round(control["height"]) for control in boxes}
        assert len(heights) == 1 and heights.pop() >= 48, boxes
        assert len({tuple(control["border"]) for control in boxes}) == 1, boxes
        day, month, year = (
            next(control for control in boxes if control["id"] == f"k-birth_{part}")
            for part in ("day", "month", "year")
        )
        assert day["y"] == month["y"] == year["y"]  # one row, one height
        assert_accessible(tablet, f"first-visit form, {orientation}")
